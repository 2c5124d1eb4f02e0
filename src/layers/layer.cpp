#include "minnow/layers/layer.hpp"

#include <cctype>
#include <unistd.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"
#include "core/config_json.hpp"

namespace minnow {

std::string to_snake_case(const std::string& class_name) {
    // Keras: insert "_" before an uppercase letter that starts a lowercase run ("Max|Pooling"),
    // then between a lowercase letter and an uppercase one, then lowercase everything.
    std::string step1;
    for (size_t i = 0; i < class_name.size(); ++i) {
        const bool starts_word = i > 0 && std::isupper(static_cast<unsigned char>(class_name[i])) &&
                                 i + 1 < class_name.size() &&
                                 std::islower(static_cast<unsigned char>(class_name[i + 1]));
        if (starts_word) step1 += '_';
        step1 += class_name[i];
    }
    std::string out;
    for (size_t i = 0; i < step1.size(); ++i) {
        if (i > 0 && std::isupper(static_cast<unsigned char>(step1[i])) &&
            std::islower(static_cast<unsigned char>(step1[i - 1])))
            out += '_';
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(step1[i])));
    }
    return out;
}

std::string Layer::name() const { return name_.empty() ? to_snake_case(class_name()) : name_; }

void Layer::set_name(std::string name) {
    MINNOW_CHECK(!name.empty() && name.find('/') == std::string::npos, ValueError,
                 "{}: invalid name '{}' (it must be non-empty and contain no '/')", describe(), name);
    name_ = std::move(name);
    explicit_name_ = true;
}

void Layer::set_automatic_name(std::string name) {
    if (!explicit_name_) name_ = std::move(name);
}

std::string Layer::describe() const { return fmt::format("{} '{}'", class_name(), name()); }

const Shape& Layer::input_shape() const {
    MINNOW_CHECK(built_, StateError, "{}: not built yet; call it on an input or build it first", describe());
    return input_shape_;
}

const Shape& Layer::output_shape() const {
    MINNOW_CHECK(built_, StateError, "{}: not built yet; call it on an input or build it first", describe());
    return output_shape_;
}

Shape Layer::ensure_built(const Shape& input_shape) {
    MINNOW_CHECK(input_shape.rank() >= 1, ShapeError, "{}: expected a batch of inputs, got a scalar shape",
                 describe());
    const Shape shape = input_shape.with_batch(Shape::kNone);
    if (!built_) {
        Shape out = build(shape);
        input_shape_ = shape;
        output_shape_ = std::move(out);
        built_ = true;
        set_trainable(trainable_);
        return output_shape_;
    }
    MINNOW_CHECK(shape == input_shape_, ShapeError, "{}: expected input shape {}, got {}", describe(),
                 input_shape_.batch_str(), input_shape.batch_str());
    return output_shape_;
}

void Layer::set_built_shapes(Shape input_shape, Shape output_shape) {
    input_shape_ = std::move(input_shape);
    output_shape_ = std::move(output_shape);
    built_ = true;
}

Variable Layer::operator()(const Variable& x, Mode mode) {
    ensure_built(x.shape());
    return forward(x, mode);
}

Config Layer::get_config() const { return config_from_json({{"name", name()}, {"trainable", trainable_}}); }

void Layer::set_trainable(bool trainable) {
    trainable_ = trainable;
    for (Weight& w : weights_) w.variable.set_requires_grad(trainable_ && w.trainable);
    for (Layer* sub : sublayers()) sub->set_trainable(trainable);
}

Variable Layer::add_weight(const std::string& name, const Shape& shape, const Initializer& initializer,
                           bool trainable) {
    for (const Weight& w : weights_)
        MINNOW_CHECK(w.name != name, ValueError, "{}: a weight named '{}' already exists", describe(), name);
    // A config from a file can ask for anything: refuse a weight the machine could never hold.
    const double bytes = double(shape.numel()) * sizeof(float);
    const double memory = double(::sysconf(_SC_PHYS_PAGES)) * double(::sysconf(_SC_PAGE_SIZE));
    MINNOW_CHECK(memory <= 0 || bytes <= memory, ValueError,
                 "{}: weight '{}' of shape {} needs {:.1f} GB, more than the machine's {:.1f} GB of memory", describe(),
                 name, shape, bytes / 1e9, memory / 1e9);
    Variable v(initializer(shape, global_rng()), trainable && trainable_);
    weights_.push_back({name, v, trainable});
    return v;
}

std::vector<const Layer::Weight*> Layer::ordered_weights() const {
    std::vector<const Weight*> out;
    for (const Weight& w : weights_)
        if (w.trainable) out.push_back(&w);
    for (const Weight& w : weights_)
        if (!w.trainable) out.push_back(&w);
    return out;
}

std::vector<Variable> Layer::weights() const {
    std::vector<Variable> out;
    for (const Weight* w : ordered_weights()) out.push_back(w->variable);
    for (const Layer* sub : sublayers())
        for (Variable& v : sub->weights()) out.push_back(std::move(v));
    return out;
}

std::vector<Variable> Layer::trainable_weights() const {
    std::vector<Variable> out;
    if (!trainable_) return out;
    for (const Weight* w : ordered_weights())
        if (w->trainable) out.push_back(w->variable);
    for (const Layer* sub : sublayers())
        for (Variable& v : sub->trainable_weights()) out.push_back(std::move(v));
    return out;
}

std::vector<Variable> Layer::non_trainable_weights() const {
    if (!trainable_) return weights();
    std::vector<Variable> out;
    for (const Weight* w : ordered_weights())
        if (!w->trainable) out.push_back(w->variable);
    for (const Layer* sub : sublayers())
        for (Variable& v : sub->non_trainable_weights()) out.push_back(std::move(v));
    return out;
}

std::vector<std::string> Layer::weight_names() const {
    std::vector<std::string> out;
    for (const Weight* w : ordered_weights()) out.push_back(w->name);
    for (const Layer* sub : sublayers())
        for (const std::string& n : sub->weight_names()) out.push_back(sub->name() + "/" + n);
    return out;
}

std::vector<Tensor> Layer::get_weights() const {
    std::vector<Tensor> out;
    for (const Variable& v : weights()) out.push_back(v.value());
    return out;
}

void Layer::set_weights(const std::vector<Tensor>& values) {
    MINNOW_CHECK(built_, StateError, "{}: set_weights before the layer is built; call it on an input first",
                 describe());
    std::vector<Variable> all = weights();
    const std::vector<std::string> names = weight_names();
    std::vector<std::string> expected;
    for (size_t i = 0; i < all.size(); ++i) expected.push_back(fmt::format("{} {}", names[i], all[i].shape()));
    MINNOW_CHECK(values.size() == all.size(), ValueError, "{}: set_weights expected {} arrays [{}], got {}",
                 describe(), all.size(), fmt::join(expected, ", "), values.size());
    for (size_t i = 0; i < all.size(); ++i)
        MINNOW_CHECK(values[i].shape() == all[i].shape(), ValueError,
                     "{}: set_weights: weight {} '{}' expects shape {}, got {}", describe(), i, names[i],
                     all[i].shape(), values[i].shape());
    for (size_t i = 0; i < all.size(); ++i) all[i].value() = values[i];
}

int64_t Layer::count_params() const {
    MINNOW_CHECK(built_, StateError, "{}: count_params before the layer is built; call it on an input first",
                 describe());
    int64_t n = 0;
    for (const Variable& v : weights()) n += v.value().numel();
    return n;
}

}  // namespace minnow
