#include "kernels/losses.hpp"

#include <algorithm>
#include <cmath>

namespace minnow::kernels {

namespace {

// Writes softmax of one row and returns its log-sum-exp.
float softmax_row(const float* z, float* p, int64_t C) {
    float m = z[0];
    for (int64_t c = 1; c < C; ++c) m = std::max(m, z[c]);
    float total = 0.0f;
    for (int64_t c = 0; c < C; ++c) {
        p[c] = std::exp(z[c] - m);
        total += p[c];
    }
    const float inv = 1.0f / total;
    for (int64_t c = 0; c < C; ++c) p[c] *= inv;
    return m + std::log(total);
}

}  // namespace

double softmax_xent_sparse_forward(const float* z, const float* labels, float* probs, int64_t N, int64_t C) {
    double loss = 0.0;
    for (int64_t n = 0; n < N; ++n) {
        const float lse = softmax_row(z + n * C, probs + n * C, C);
        const auto y = static_cast<int64_t>(labels[n]);
        loss += lse - z[n * C + y];  // -log softmax(z)_y
    }
    return loss;
}

void softmax_xent_sparse_backward(const float* probs, const float* labels, float scale, float* dz, int64_t N,
                                  int64_t C) {
    for (int64_t n = 0; n < N; ++n) {
        for (int64_t c = 0; c < C; ++c) dz[n * C + c] += scale * probs[n * C + c];
        dz[n * C + static_cast<int64_t>(labels[n])] -= scale;
    }
}

double softmax_xent_dense_forward(const float* z, const float* t, float* probs, int64_t N, int64_t C) {
    double loss = 0.0;
    for (int64_t n = 0; n < N; ++n) {
        const float lse = softmax_row(z + n * C, probs + n * C, C);
        for (int64_t c = 0; c < C; ++c) loss -= double(t[n * C + c]) * (z[n * C + c] - lse);
    }
    return loss;
}

void softmax_xent_dense_backward(const float* probs, const float* t, float scale, float* dz, int64_t N, int64_t C) {
    for (int64_t n = 0; n < N; ++n) {
        float mass = 0.0f;
        for (int64_t c = 0; c < C; ++c) mass += t[n * C + c];
        for (int64_t c = 0; c < C; ++c) dz[n * C + c] += scale * (probs[n * C + c] * mass - t[n * C + c]);
    }
}

double categorical_xent_forward(const float* p, const float* t, int64_t N, int64_t C, float eps) {
    double loss = 0.0;
    for (int64_t n = 0; n < N; ++n) {
        float s = 0.0f;
        for (int64_t c = 0; c < C; ++c) s += p[n * C + c];
        for (int64_t c = 0; c < C; ++c) {
            const float q = std::clamp(p[n * C + c] / s, eps, 1.0f - eps);
            loss -= double(t[n * C + c]) * std::log(q);
        }
    }
    return loss;
}

void categorical_xent_backward(const float* p, const float* t, float scale, float* dp, int64_t N, int64_t C,
                               float eps) {
    // q = p / s, c = clip(q); dL/dq_j = -t_j / q_j inside the clip range (0 outside);
    // dL/dp_k = (dL/dq_k - sum_j dL/dq_j q_j) / s.
    for (int64_t n = 0; n < N; ++n) {
        const float* pr = p + n * C;
        const float* tr = t + n * C;
        float s = 0.0f;
        for (int64_t c = 0; c < C; ++c) s += pr[c];
        float weighted = 0.0f;
        for (int64_t c = 0; c < C; ++c) {
            const float q = pr[c] / s;
            if (q >= eps && q <= 1.0f - eps) weighted += -tr[c];  // (-t/q) * q
        }
        for (int64_t c = 0; c < C; ++c) {
            const float q = pr[c] / s;
            const float dq = (q >= eps && q <= 1.0f - eps) ? -tr[c] / q : 0.0f;
            dp[n * C + c] += scale * (dq - weighted) / s;
        }
    }
}

double bce_logits_forward(const float* z, const float* t, int64_t n) {
    double loss = 0.0;
    for (int64_t i = 0; i < n; ++i)
        loss += std::max(z[i], 0.0f) - z[i] * t[i] + std::log1p(std::exp(-std::fabs(z[i])));
    return loss;
}

void bce_logits_backward(const float* z, const float* t, float scale, float* dz, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        const float s = z[i] >= 0.0f ? 1.0f / (1.0f + std::exp(-z[i])) : std::exp(z[i]) / (1.0f + std::exp(z[i]));
        dz[i] += scale * (s - t[i]);
    }
}

double bce_probs_forward(const float* p, const float* t, int64_t n, float eps) {
    double loss = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const float q = std::clamp(p[i], eps, 1.0f - eps);
        loss -= double(t[i]) * std::log(q) + (1.0 - t[i]) * std::log(1.0f - q);
    }
    return loss;
}

void bce_probs_backward(const float* p, const float* t, float scale, float* dp, int64_t n, float eps) {
    for (int64_t i = 0; i < n; ++i) {
        if (p[i] < eps || p[i] > 1.0f - eps) continue;  // clipped: no gradient, as in Keras
        dp[i] += scale * ((1.0f - t[i]) / (1.0f - p[i]) - t[i] / p[i]);
    }
}

double squared_error_forward(const float* p, const float* t, int64_t n) {
    double loss = 0.0;
    for (int64_t i = 0; i < n; ++i) loss += double(p[i] - t[i]) * (p[i] - t[i]);
    return loss;
}

void squared_error_backward(const float* p, const float* t, float scale, float* dp, int64_t n) {
    for (int64_t i = 0; i < n; ++i) dp[i] += scale * 2.0f * (p[i] - t[i]);
}

}  // namespace minnow::kernels
