#include "kernels/activation.hpp"

#include <algorithm>
#include <cmath>

#include "minnow/core/parallel.hpp"
#include "kernels/isa.hpp"

MINNOW_KERNELS_BEGIN

namespace {

constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;

// Written so exp never overflows: for x < 0 use e^x / (1 + e^x).
inline float sigmoid(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + std::exp(-x));
    const float e = std::exp(x);
    return e / (1.0f + e);
}

template <class Fn>
void map(const float* x, float* y, int64_t n, Fn fn) {
    for (int64_t i = 0; i < n; ++i) y[i] = fn(x[i]);
}

}  // namespace

namespace {
constexpr int64_t kGrain = 1 << 15;  // elements per thread below which threading costs more than it saves
constexpr int64_t kExpGrain = 1 << 12;  // the same for functions that take an exp per element
void activation_forward_range(Elementwise f, const float* x, float* y, int64_t n, float alpha);
template <bool Add>
void activation_backward_range(Elementwise f, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                               float alpha);
}  // namespace

MINNOW_KERNEL_VARIANT(activation_forward)
void activation_forward(Elementwise f, const float* x, float* y, int64_t n, float alpha) {
    MINNOW_DISPATCH(activation_forward, f, x, y, n, alpha);
    parallel_for(n, kGrain, [&](int64_t b, int64_t e) { activation_forward_range(f, x + b, y + b, e - b, alpha); });
}

MINNOW_KERNEL_VARIANT(activation_backward)
void activation_backward(Elementwise f, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                         float alpha, bool accumulate) {
    MINNOW_DISPATCH(activation_backward, f, x, y, dy, dx, n, alpha, accumulate);
    parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
        if (accumulate) activation_backward_range<true>(f, x + b, y + b, dy + b, dx + b, e - b, alpha);
        else activation_backward_range<false>(f, x + b, y + b, dy + b, dx + b, e - b, alpha);
    });
}

namespace {

void activation_forward_range(Elementwise f, const float* x, float* y, int64_t n, float alpha) {
    switch (f) {
        case Elementwise::Relu: map(x, y, n, [](float v) { return relu_value(v); }); break;
        case Elementwise::Sigmoid: map(x, y, n, sigmoid); break;
        case Elementwise::Tanh: map(x, y, n, [](float v) { return std::tanh(v); }); break;
        case Elementwise::LeakyRelu: map(x, y, n, [alpha](float v) { return v > 0.0f ? v : alpha * v; }); break;
        case Elementwise::Elu: map(x, y, n, [alpha](float v) { return v > 0.0f ? v : alpha * std::expm1(v); }); break;
        // Keras' default gelu is the exact one: x * Phi(x), Phi the standard normal CDF.
        case Elementwise::Gelu:
            map(x, y, n, [](float v) { return 0.5f * v * (1.0f + std::erf(v * kInvSqrt2)); });
            break;
        case Elementwise::Swish: map(x, y, n, [](float v) { return v * sigmoid(v); }); break;
    }
}

// dx = v or dx += v, decided at compile time so both loops vectorize.
template <bool Add>
inline void put(float& dx, float v) {
    if constexpr (Add) dx += v;
    else dx = v;
}

template <bool Add>
void activation_backward_range(Elementwise f, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                               float alpha) {
    switch (f) {
        case Elementwise::Relu:
            for (int64_t i = 0; i < n; ++i) put<Add>(dx[i], relu_gradient(x[i], dy[i]));
            break;
        case Elementwise::Sigmoid:
            for (int64_t i = 0; i < n; ++i) put<Add>(dx[i], dy[i] * y[i] * (1.0f - y[i]));
            break;
        case Elementwise::Tanh:
            for (int64_t i = 0; i < n; ++i) put<Add>(dx[i], dy[i] * (1.0f - y[i] * y[i]));
            break;
        case Elementwise::LeakyRelu:
            for (int64_t i = 0; i < n; ++i) put<Add>(dx[i], x[i] > 0.0f ? dy[i] : alpha * dy[i]);
            break;
        case Elementwise::Elu:  // for x <= 0, d/dx alpha*(e^x - 1) = alpha*e^x = y + alpha
            for (int64_t i = 0; i < n; ++i) put<Add>(dx[i], x[i] > 0.0f ? dy[i] : dy[i] * (y[i] + alpha));
            break;
        case Elementwise::Gelu:  // d/dx x*Phi(x) = Phi(x) + x*phi(x)
            for (int64_t i = 0; i < n; ++i) {
                const float v = x[i];
                const float cdf = 0.5f * (1.0f + std::erf(v * kInvSqrt2));
                const float pdf = kInvSqrt2Pi * std::exp(-0.5f * v * v);
                put<Add>(dx[i], dy[i] * (cdf + v * pdf));
            }
            break;
        case Elementwise::Swish:  // d/dx x*s(x) = s(x) + x*s(x)*(1 - s(x))
            for (int64_t i = 0; i < n; ++i) {
                const float s = sigmoid(x[i]);
                put<Add>(dx[i], dy[i] * (s + x[i] * s * (1.0f - s)));
            }
            break;
    }
}

}  // namespace

// The (outer, n, inner) view: element k of line (o, i) sits at (o * n + k) * inner + i.
MINNOW_KERNEL_VARIANT(softmax_forward)
void softmax_forward(const float* x, float* y, int64_t outer, int64_t n, int64_t inner) {
    MINNOW_DISPATCH(softmax_forward, x, y, outer, n, inner);
    // An exp per element makes a softmax worth splitting at far fewer elements than a ReLU
    // (measured: predict's 1000 x 10 outputs 0.05-0.08 ms on one thread).
    const int64_t grain = std::max<int64_t>(1, kExpGrain / std::max<int64_t>(n * inner, 1));
    parallel_for(outer, grain, [&](int64_t begin, int64_t end) {
        for (int64_t o = begin; o < end; ++o)
            for (int64_t i = 0; i < inner; ++i) {
                const float* xl = x + o * n * inner + i;
                float* yl = y + o * n * inner + i;
                float m = xl[0];
                for (int64_t k = 1; k < n; ++k) m = std::max(m, xl[k * inner]);
                float total = 0.0f;
                for (int64_t k = 0; k < n; ++k) {
                    yl[k * inner] = std::exp(xl[k * inner] - m);
                    total += yl[k * inner];
                }
                const float inv = 1.0f / total;
                for (int64_t k = 0; k < n; ++k) yl[k * inner] *= inv;
            }
    });
}

MINNOW_KERNEL_VARIANT(softmax_backward)
void softmax_backward(const float* y, const float* dy, float* dx, int64_t outer, int64_t n, int64_t inner) {
    MINNOW_DISPATCH(softmax_backward, y, dy, dx, outer, n, inner);
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
            const int64_t base = o * n * inner + i;
            float dot = 0.0f;
            for (int64_t k = 0; k < n; ++k) dot += dy[base + k * inner] * y[base + k * inner];
            for (int64_t k = 0; k < n; ++k) dx[base + k * inner] += y[base + k * inner] * (dy[base + k * inner] - dot);
        }
}

MINNOW_KERNEL_VARIANT(log_softmax_forward)
void log_softmax_forward(const float* x, float* y, int64_t outer, int64_t n, int64_t inner) {
    MINNOW_DISPATCH(log_softmax_forward, x, y, outer, n, inner);
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
            const int64_t base = o * n * inner + i;
            float m = x[base];
            for (int64_t k = 1; k < n; ++k) m = std::max(m, x[base + k * inner]);
            float total = 0.0f;
            for (int64_t k = 0; k < n; ++k) total += std::exp(x[base + k * inner] - m);
            const float lse = m + std::log(total);
            for (int64_t k = 0; k < n; ++k) y[base + k * inner] = x[base + k * inner] - lse;
        }
}

MINNOW_KERNEL_VARIANT(log_softmax_backward)
void log_softmax_backward(const float* y, const float* dy, float* dx, int64_t outer, int64_t n, int64_t inner) {
    MINNOW_DISPATCH(log_softmax_backward, y, dy, dx, outer, n, inner);
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
            const int64_t base = o * n * inner + i;
            float total = 0.0f;
            for (int64_t k = 0; k < n; ++k) total += dy[base + k * inner];
            for (int64_t k = 0; k < n; ++k)
                dx[base + k * inner] += dy[base + k * inner] - std::exp(y[base + k * inner]) * total;
        }
}

MINNOW_KERNELS_END
