#include "minnow/layers/reshaping.hpp"

#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"
#include "minnow/ops/arithmetic.hpp"
#include "minnow/ops/pooling.hpp"
#include "core/config_json.hpp"

namespace minnow {

Reshape::Reshape(std::vector<int64_t> target_shape) : target_(std::move(target_shape)) {
    int unknown = 0;
    for (int64_t d : target_) {
        MINNOW_CHECK(d > 0 || d == -1, ValueError, "Reshape: dimensions must be positive or -1, got {}", d);
        unknown += d == -1 ? 1 : 0;
    }
    MINNOW_CHECK(unknown <= 1, ValueError, "Reshape: at most one dimension may be -1, got {}", unknown);
    MINNOW_CHECK(!target_.empty(), ValueError, "Reshape: target_shape is empty");
}

Shape Reshape::build(const Shape& input_shape) {
    const int64_t total = input_shape.with_batch(1).numel();
    int64_t known = 1;
    for (int64_t d : target_)
        if (d != -1) known *= d;
    std::vector<int64_t> dims = target_;
    for (int64_t& d : dims)
        if (d == -1) {
            MINNOW_CHECK(known > 0 && total % known == 0, ShapeError, "{}: cannot reshape {} values a sample into {}",
                         describe(), total, Shape(target_).str());
            d = total / known;
        }
    resolved_ = Shape(dims);
    MINNOW_CHECK(resolved_.numel() == total, ShapeError, "{}: cannot reshape input {} ({} values a sample) into {}",
                 describe(), input_shape.batch_str(), total, resolved_.str());
    return resolved_.batched(Shape::kNone);
}

Variable Reshape::forward(const Variable& x, Mode) { return reshape(x, resolved_.batched(x.shape()[0])); }

Config Reshape::get_config() const {
    nlohmann::json config = json_of(Layer::get_config());
    config["target_shape"] = target_;
    return config_from_json(std::move(config));
}

std::shared_ptr<Reshape> Reshape::from_config(const Config& config) {
    const nlohmann::json& c = json_of(config);
    return std::make_shared<Reshape>(c.at("target_shape").get<std::vector<int64_t>>());
}

MINNOW_REGISTER_LAYER(Reshape);

ZeroPadding2D::ZeroPadding2D(int64_t padding) : ZeroPadding2D({padding, padding}, {padding, padding}) {}

ZeroPadding2D::ZeroPadding2D(int64_t height, int64_t width) : ZeroPadding2D({height, height}, {width, width}) {}

ZeroPadding2D::ZeroPadding2D(std::pair<int64_t, int64_t> rows, std::pair<int64_t, int64_t> cols)
    : top_(rows.first), bottom_(rows.second), left_(cols.first), right_(cols.second) {
    MINNOW_CHECK(top_ >= 0 && bottom_ >= 0 && left_ >= 0 && right_ >= 0, ValueError,
                 "ZeroPadding2D: padding must be >= 0, got (({}, {}), ({}, {}))", top_, bottom_, left_, right_);
}

Shape ZeroPadding2D::build(const Shape& input_shape) {
    MINNOW_CHECK(input_shape.rank() == 4, ShapeError, "{}: expected input of rank 3 (height, width, channels), got {}",
                 describe(), input_shape.batch_str());
    return {Shape::kNone, input_shape[1] + top_ + bottom_, input_shape[2] + left_ + right_, input_shape[3]};
}

Variable ZeroPadding2D::forward(const Variable& x, Mode) { return zero_pad2d(x, top_, bottom_, left_, right_); }

Config ZeroPadding2D::get_config() const {
    nlohmann::json config = json_of(Layer::get_config());
    config["padding"] = {{top_, bottom_}, {left_, right_}};
    return config_from_json(std::move(config));
}

std::shared_ptr<ZeroPadding2D> ZeroPadding2D::from_config(const Config& config) {
    const nlohmann::json& c = json_of(config);
    const nlohmann::json& p = c.at("padding");
    if (p.is_number()) return std::make_shared<ZeroPadding2D>(p.get<int64_t>());
    if (p.at(0).is_number()) return std::make_shared<ZeroPadding2D>(p.at(0).get<int64_t>(), p.at(1).get<int64_t>());
    return std::make_shared<ZeroPadding2D>(std::pair{p.at(0).at(0).get<int64_t>(), p.at(0).at(1).get<int64_t>()},
                                           std::pair{p.at(1).at(0).get<int64_t>(), p.at(1).at(1).get<int64_t>()});
}

MINNOW_REGISTER_LAYER(ZeroPadding2D);

Rescaling::Rescaling(double scale, double offset) : scale_(static_cast<float>(scale)), offset_(static_cast<float>(offset)) {}

Variable Rescaling::forward(const Variable& x, Mode) {
    const Variable scaled = x * scale_;
    return offset_ == 0.0f ? scaled : scaled + offset_;
}

Config Rescaling::get_config() const {
    nlohmann::json config = json_of(Layer::get_config());
    config["scale"] = scale_;
    config["offset"] = offset_;
    return config_from_json(std::move(config));
}

std::shared_ptr<Rescaling> Rescaling::from_config(const Config& config) {
    const nlohmann::json& c = json_of(config);
    return std::make_shared<Rescaling>(c.at("scale").get<double>(), c.value("offset", 0.0));
}

MINNOW_REGISTER_LAYER(Rescaling);

}  // namespace minnow
