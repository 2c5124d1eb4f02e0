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

float weight_at(const float* w, int64_t n) { return w != nullptr ? w[n] : 1.0f; }

}  // namespace

double softmax_xent_sparse_forward(const float* z, const float* labels, const float* w, float* probs, int64_t N,
                                   int64_t C) {
    double loss = 0.0;
    for (int64_t n = 0; n < N; ++n) {
        const float lse = softmax_row(z + n * C, probs + n * C, C);
        const auto y = static_cast<int64_t>(labels[n]);
        loss += double(weight_at(w, n)) * (lse - z[n * C + y]);  // -log softmax(z)_y
    }
    return loss;
}

void softmax_xent_sparse_backward(const float* probs, const float* labels, const float* w, float scale, float* dz,
                                  int64_t N, int64_t C) {
    for (int64_t n = 0; n < N; ++n) {
        const float s = scale * weight_at(w, n);
        for (int64_t c = 0; c < C; ++c) dz[n * C + c] += s * probs[n * C + c];
        dz[n * C + static_cast<int64_t>(labels[n])] -= s;
    }
}

double softmax_xent_dense_forward(const float* z, const float* t, const float* w, float* probs, int64_t N, int64_t C) {
    double loss = 0.0;
    for (int64_t n = 0; n < N; ++n) {
        const float lse = softmax_row(z + n * C, probs + n * C, C);
        double row = 0.0;
        for (int64_t c = 0; c < C; ++c) row -= double(t[n * C + c]) * (z[n * C + c] - lse);
        loss += double(weight_at(w, n)) * row;
    }
    return loss;
}

void softmax_xent_dense_backward(const float* probs, const float* t, const float* w, float scale, float* dz, int64_t N,
                                 int64_t C) {
    for (int64_t n = 0; n < N; ++n) {
        const float s = scale * weight_at(w, n);
        float mass = 0.0f;
        for (int64_t c = 0; c < C; ++c) mass += t[n * C + c];
        for (int64_t c = 0; c < C; ++c) dz[n * C + c] += s * (probs[n * C + c] * mass - t[n * C + c]);
    }
}

double categorical_xent_forward(const float* p, const float* t, const float* w, int64_t N, int64_t C, float eps) {
    double loss = 0.0;
    for (int64_t n = 0; n < N; ++n) {
        float s = 0.0f;
        for (int64_t c = 0; c < C; ++c) s += p[n * C + c];
        double row = 0.0;
        for (int64_t c = 0; c < C; ++c) {
            const float q = std::clamp(p[n * C + c] / s, eps, 1.0f - eps);
            row -= double(t[n * C + c]) * std::log(q);
        }
        loss += double(weight_at(w, n)) * row;
    }
    return loss;
}

void categorical_xent_backward(const float* p, const float* t, const float* w, float scale, float* dp, int64_t N,
                               int64_t C, float eps) {
    // q = p / s, c = clip(q); dL/dq_j = -t_j / q_j inside the clip range (0 outside);
    // dL/dp_k = (dL/dq_k - sum_j dL/dq_j q_j) / s.
    for (int64_t n = 0; n < N; ++n) {
        const float* pr = p + n * C;
        const float* tr = t + n * C;
        const float g = scale * weight_at(w, n);
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
            dp[n * C + c] += g * (dq - weighted) / s;
        }
    }
}

namespace {

// Sums loss(p, t) over the elements, each sample's share multiplied by its weight.
template <class F>
double elementwise_sum(const float* p, const float* t, const float* w, ElementLayout e, F loss) {
    if (w == nullptr) {
        double total = 0.0;
        for (int64_t i = 0; i < e.n; ++i) total += loss(p[i], t[i]);
        return total;
    }
    double total = 0.0;
    for (int64_t begin = 0, n = 0; begin < e.n; begin += e.row, ++n) {
        double row = 0.0;
        for (int64_t i = begin; i < begin + e.row; ++i) row += loss(p[i], t[i]);
        total += double(w[n]) * row;
    }
    return total;
}

// dp += scale * w * grad(p, t) over the elements.
template <class F>
void elementwise_grad(const float* p, const float* t, const float* w, float scale, float* dp, ElementLayout e, F grad) {
    for (int64_t begin = 0, n = 0; begin < e.n; begin += e.row, ++n) {
        const float s = scale * weight_at(w, n);
        for (int64_t i = begin; i < begin + e.row; ++i) dp[i] += s * grad(p[i], t[i]);
    }
}

}  // namespace

double bce_logits_forward(const float* z, const float* t, const float* w, ElementLayout e) {
    return elementwise_sum(z, t, w, e, [](float zi, float ti) {
        return double(std::max(zi, 0.0f) - zi * ti + std::log1p(std::exp(-std::fabs(zi))));
    });
}

void bce_logits_backward(const float* z, const float* t, const float* w, float scale, float* dz, ElementLayout e) {
    elementwise_grad(z, t, w, scale, dz, e, [](float zi, float ti) {
        const float s = zi >= 0.0f ? 1.0f / (1.0f + std::exp(-zi)) : std::exp(zi) / (1.0f + std::exp(zi));
        return s - ti;
    });
}

double bce_probs_forward(const float* p, const float* t, const float* w, ElementLayout e, float eps) {
    return elementwise_sum(p, t, w, e, [eps](float pi, float ti) {
        const float q = std::clamp(pi, eps, 1.0f - eps);
        return -(double(ti) * std::log(q) + (1.0 - ti) * std::log(1.0f - q));
    });
}

void bce_probs_backward(const float* p, const float* t, const float* w, float scale, float* dp, ElementLayout e,
                        float eps) {
    elementwise_grad(p, t, w, scale, dp, e, [eps](float pi, float ti) {
        if (pi < eps || pi > 1.0f - eps) return 0.0f;  // clipped: no gradient, as in Keras
        return (1.0f - ti) / (1.0f - pi) - ti / pi;
    });
}

double squared_error_forward(const float* p, const float* t, const float* w, ElementLayout e) {
    return elementwise_sum(p, t, w, e, [](float pi, float ti) { return double(pi - ti) * (pi - ti); });
}

void squared_error_backward(const float* p, const float* t, const float* w, float scale, float* dp, ElementLayout e) {
    elementwise_grad(p, t, w, scale, dp, e, [](float pi, float ti) { return 2.0f * (pi - ti); });
}

double absolute_error_forward(const float* p, const float* t, const float* w, ElementLayout e) {
    return elementwise_sum(p, t, w, e, [](float pi, float ti) { return double(std::fabs(pi - ti)); });
}

void absolute_error_backward(const float* p, const float* t, const float* w, float scale, float* dp, ElementLayout e) {
    elementwise_grad(p, t, w, scale, dp, e, [](float pi, float ti) {
        const float d = pi - ti;
        return d > 0.0f ? 1.0f : (d < 0.0f ? -1.0f : 0.0f);
    });
}

double huber_forward(const float* p, const float* t, const float* w, ElementLayout e, float delta) {
    return elementwise_sum(p, t, w, e, [delta](float pi, float ti) {
        const double d = std::fabs(double(pi) - ti);
        return d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
    });
}

void huber_backward(const float* p, const float* t, const float* w, float scale, float* dp, ElementLayout e, float delta) {
    elementwise_grad(p, t, w, scale, dp, e, [delta](float pi, float ti) { return std::clamp(pi - ti, -delta, delta); });
}

}  // namespace minnow::kernels
