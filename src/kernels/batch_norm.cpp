#include "kernels/batch_norm.hpp"

#include <cmath>
#include <vector>

namespace minnow::kernels {

void batch_norm_train_forward(const float* x, const float* gamma, const float* beta, int64_t M, int64_t C,
                              float eps, float* y, float* mean, float* var, float* invstd) {
    std::vector<double> acc(static_cast<size_t>(C), 0.0);
    // Pass 1: the mean.
    for (int64_t m = 0; m < M; ++m)
        for (int64_t c = 0; c < C; ++c) acc[c] += x[m * C + c];
    for (int64_t c = 0; c < C; ++c) {
        mean[c] = static_cast<float>(acc[c] / double(M));
        acc[c] = 0.0;
    }
    // Pass 2: the biased variance around it (never E[x^2] - E[x]^2, which cancels).
    for (int64_t m = 0; m < M; ++m)
        for (int64_t c = 0; c < C; ++c) {
            const double d = double(x[m * C + c]) - mean[c];
            acc[c] += d * d;
        }
    for (int64_t c = 0; c < C; ++c) {
        var[c] = static_cast<float>(acc[c] / double(M));
        invstd[c] = static_cast<float>(1.0 / std::sqrt(acc[c] / double(M) + double(eps)));
    }
    for (int64_t m = 0; m < M; ++m)
        for (int64_t c = 0; c < C; ++c) {
            const float x_hat = (x[m * C + c] - mean[c]) * invstd[c];
            y[m * C + c] = (gamma ? gamma[c] : 1.0f) * x_hat + (beta ? beta[c] : 0.0f);
        }
}

void batch_norm_train_backward(const float* x, const float* gamma, const float* mean, const float* invstd,
                               const float* dy, int64_t M, int64_t C, float* dx, float* dgamma, float* dbeta) {
    std::vector<double> sum_dy(static_cast<size_t>(C), 0.0), sum_dy_xhat(static_cast<size_t>(C), 0.0);
    for (int64_t m = 0; m < M; ++m)
        for (int64_t c = 0; c < C; ++c) {
            const float x_hat = (x[m * C + c] - mean[c]) * invstd[c];
            sum_dy[c] += dy[m * C + c];
            sum_dy_xhat[c] += double(dy[m * C + c]) * x_hat;
        }
    for (int64_t c = 0; c < C; ++c) {
        if (dbeta) dbeta[c] += static_cast<float>(sum_dy[c]);
        if (dgamma) dgamma[c] += static_cast<float>(sum_dy_xhat[c]);
    }
    if (dx == nullptr) return;
    for (int64_t m = 0; m < M; ++m)
        for (int64_t c = 0; c < C; ++c) {
            const float mean_dy = static_cast<float>(sum_dy[c] / double(M));
            const float mean_dy_xhat = static_cast<float>(sum_dy_xhat[c] / double(M));
            const float x_hat = (x[m * C + c] - mean[c]) * invstd[c];
            const float g = gamma ? gamma[c] : 1.0f;
            dx[m * C + c] += g * invstd[c] * (dy[m * C + c] - mean_dy - x_hat * mean_dy_xhat);
        }
}

void batch_norm_infer_forward(const float* x, const float* gamma, const float* beta, const float* moving_mean,
                              const float* moving_var, int64_t M, int64_t C, float eps, float* y) {
    std::vector<float> scale(static_cast<size_t>(C)), shift(static_cast<size_t>(C));
    for (int64_t c = 0; c < C; ++c) {
        scale[c] = (gamma ? gamma[c] : 1.0f) / std::sqrt(moving_var[c] + eps);
        shift[c] = (beta ? beta[c] : 0.0f) - moving_mean[c] * scale[c];
    }
    for (int64_t m = 0; m < M; ++m)
        for (int64_t c = 0; c < C; ++c) y[m * C + c] = x[m * C + c] * scale[c] + shift[c];
}

void batch_norm_infer_backward(const float* x, const float* gamma, const float* moving_mean,
                               const float* moving_var, const float* dy, int64_t M, int64_t C, float eps, float* dx,
                               float* dgamma, float* dbeta) {
    for (int64_t c = 0; c < C; ++c) {
        const float inv = 1.0f / std::sqrt(moving_var[c] + eps);
        const float scale = (gamma ? gamma[c] : 1.0f) * inv;
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (int64_t m = 0; m < M; ++m) {
            const float g = dy[m * C + c];
            if (dx) dx[m * C + c] += g * scale;
            sum_dy += g;
            sum_dy_xhat += double(g) * (x[m * C + c] - moving_mean[c]) * inv;
        }
        if (dbeta) dbeta[c] += static_cast<float>(sum_dy);
        if (dgamma) dgamma[c] += static_cast<float>(sum_dy_xhat);
    }
}

}  // namespace minnow::kernels
