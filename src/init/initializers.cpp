#include "minnow/init/initializers.hpp"

#include <cmath>
#include <fmt/format.h>

#include "minnow/core/error.hpp"

namespace minnow {

namespace {
// One generator per thread: runs trained side by side in threads (the lab's jobs) draw their own
// weights, each as it would alone.
Rng& rng_storage() {
    thread_local Rng rng(1337);
    return rng;
}

// Keras' truncated normal: resample anything beyond two standard deviations; the 0.8796 factor
// (stddev of a unit normal truncated at +-2) keeps the requested variance.
constexpr float kTruncatedStd = 0.87962566103423978f;

Tensor truncated_normal(const Shape& shape, float stddev, Rng& rng) {
    Tensor t(shape);
    for (float& v : t.span()) {
        float z;
        do {
            z = rng.normal();
        } while (std::fabs(z) > 2.0f);
        v = z * stddev;
    }
    return t;
}
}  // namespace

void set_random_seed(uint64_t seed) { rng_storage() = Rng(seed); }
Rng& global_rng() { return rng_storage(); }

Fans compute_fans(const Shape& shape) {
    if (shape.rank() == 0) return {1.0, 1.0};
    if (shape.rank() == 1) return {double(shape[0]), double(shape[0])};
    double receptive = 1.0;
    for (int64_t i = 0; i + 2 < shape.rank(); ++i) receptive *= double(shape[i]);
    return {double(shape[-2]) * receptive, double(shape[-1]) * receptive};
}

Initializer::Initializer(const char* name) : Initializer(std::string(name)) {}

std::shared_ptr<InitializerBase> detail::initializer_by_name(const std::string& name) {
    if (name == "glorot_uniform") return std::make_shared<GlorotUniform>();
    if (name == "glorot_normal") return std::make_shared<GlorotNormal>();
    if (name == "he_uniform") return std::make_shared<HeUniform>();
    if (name == "he_normal") return std::make_shared<HeNormal>();
    if (name == "lecun_normal") return std::make_shared<LecunNormal>();
    if (name == "zeros") return std::make_shared<Zeros>();
    if (name == "ones") return std::make_shared<Ones>();
    if (name == "constant") return std::make_shared<Constant>();
    if (name == "random_uniform") return std::make_shared<RandomUniform>();
    if (name == "random_normal") return std::make_shared<RandomNormal>();
    return nullptr;
}

Initializer::Initializer(const std::string& name) : impl_(detail::initializer_by_name(name)) {
    if (!impl_)
        throw ValueError(fmt::format("unknown initializer '{}'; known initializers: glorot_uniform, glorot_normal, "
                                     "he_uniform, he_normal, lecun_normal, zeros, ones, constant, random_uniform, "
                                     "random_normal",
                                     name));
}

Tensor Initializer::operator()(const Shape& shape, Rng& rng) const {
    if (impl_->seed) {
        Rng own(*impl_->seed);
        return (*impl_)(shape, own);
    }
    return (*impl_)(shape, rng);
}

Tensor GlorotUniform::operator()(const Shape& shape, Rng& rng) const {
    const Fans f = compute_fans(shape);
    const auto limit = static_cast<float>(std::sqrt(6.0 / (f.fan_in + f.fan_out)));
    return Tensor::uniform(shape, -limit, limit, rng);
}

Tensor GlorotNormal::operator()(const Shape& shape, Rng& rng) const {
    const Fans f = compute_fans(shape);
    return truncated_normal(shape, static_cast<float>(std::sqrt(2.0 / (f.fan_in + f.fan_out))) / kTruncatedStd, rng);
}

Tensor HeUniform::operator()(const Shape& shape, Rng& rng) const {
    const auto limit = static_cast<float>(std::sqrt(6.0 / compute_fans(shape).fan_in));
    return Tensor::uniform(shape, -limit, limit, rng);
}

Tensor HeNormal::operator()(const Shape& shape, Rng& rng) const {
    return truncated_normal(shape, static_cast<float>(std::sqrt(2.0 / compute_fans(shape).fan_in)) / kTruncatedStd,
                            rng);
}

Tensor LecunNormal::operator()(const Shape& shape, Rng& rng) const {
    return truncated_normal(shape, static_cast<float>(std::sqrt(1.0 / compute_fans(shape).fan_in)) / kTruncatedStd,
                            rng);
}

Tensor Zeros::operator()(const Shape& shape, Rng&) const { return Tensor::zeros(shape); }
Tensor Ones::operator()(const Shape& shape, Rng&) const { return Tensor::ones(shape); }
Tensor Constant::operator()(const Shape& shape, Rng&) const { return Tensor::full(shape, value); }
Tensor RandomUniform::operator()(const Shape& shape, Rng& rng) const {
    return Tensor::uniform(shape, minval, maxval, rng);
}
Tensor RandomNormal::operator()(const Shape& shape, Rng& rng) const { return Tensor::normal(shape, mean, stddev, rng); }

}  // namespace minnow
