#include "kernels/batch_norm.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "kernels/activation.hpp"
#include "kernels/simd.hpp"
#include "minnow/core/distributed.hpp"
#include "minnow/core/parallel.hpp"
#include "kernels/isa.hpp"

MINNOW_KERNELS_BEGIN

namespace {

// Rows are summed in float over blocks of this many rows (a loop over C that vectorizes), and
// the block sums in double: as accurate as a double sum for these sizes, at float speed.
constexpr int64_t kBlock = 64;

// Rows per thread below which one thread does the whole pass.
constexpr int64_t kRowGrain = 512;

// Calls body(C) with C as a compile-time constant for the channel counts most models use (so the
// loops over C below have a fixed trip count: unrolled, their block sums stay in registers), and as
// the runtime value otherwise. Same arithmetic in the same order either way.
template <class Body>
void with_channels(int64_t C, Body body) {
    switch (C) {
        case 16: return body(std::integral_constant<int64_t, 16>{});
        case 32: return body(std::integral_constant<int64_t, 32>{});
        case 64: return body(std::integral_constant<int64_t, 64>{});
        default: return body(C);
    }
}

template <class Channels>
constexpr int64_t fixed_channels = 0;
template <int64_t N>
constexpr int64_t fixed_channels<std::integral_constant<int64_t, N>> = N;

// One float a channel for a block's sums: on the stack for a fixed count, where the compiler can
// keep them in registers.
template <class Channels>
auto block_sums(Channels C) {
    constexpr int64_t n = fixed_channels<Channels>;
    if constexpr (n > 0)
        return std::array<float, static_cast<size_t>(n)>{};
    else
        return std::vector<float>(static_cast<size_t>(C));
}

// b1[c] and b2[c] += the two terms f(m, c) returns, for the rows [m0, m1).
template <class Channels, class F>
MINNOW_KERNEL_INLINE void sum_block(int64_t m0, int64_t m1, Channels C, float* __restrict b1, float* __restrict b2,
                                    const F& f) {
    constexpr int64_t n = fixed_channels<Channels>;
    for (int64_t m = m0; m < m1; ++m) {
        if constexpr (n > 0) {
            // A row's terms go to local arrays first, as in map_rows: written straight into the
            // sums, GCC vectorizes over the rows instead of the channels, with gathers.
            float t1[n], t2[n];
            for (int64_t c = 0; c < n; ++c) std::tie(t1[c], t2[c]) = f(m, c);
            for (int64_t c = 0; c < n; ++c) b1[c] += t1[c], b2[c] += t2[c];
        } else {
            MINNOW_LOOP_INDEPENDENT
            for (int64_t c = 0; c < C; ++c) {
                const auto [t1, t2] = f(m, c);
                b1[c] += t1;
                b2[c] += t2;
            }
        }
    }
}

// acc1[c] += sum over rows m of f(m, c).first and acc2[c] += sum of its .second, for a (M, C)
// layout, in one pass over the rows: one call gives both terms, so what they share is computed
// once. Threads sum row ranges into their own partial sums, combined in range order: the same
// bits for the same thread count.
template <class F>
void sum_rows(int64_t M, int64_t C, std::vector<double>& acc1, std::vector<double>& acc2, F f) {
    const int64_t ranges = parallel_ranges(M, kRowGrain);
    std::vector<double> partial(static_cast<size_t>(2 * ranges * C), 0.0);
    parallel_for_ranges(M, kRowGrain, [&](int64_t r, int64_t begin, int64_t end) {
        double* mine1 = partial.data() + 2 * r * C;
        double* mine2 = mine1 + C;
        with_channels(C, [&](auto channels) {
            auto b1 = block_sums(channels), b2 = block_sums(channels);
            for (int64_t m0 = begin; m0 < end; m0 += kBlock) {
                std::fill_n(b1.data(), C, 0.0f);
                std::fill_n(b2.data(), C, 0.0f);
                sum_block(m0, std::min(end, m0 + kBlock), channels, b1.data(), b2.data(), f);
                for (int64_t c = 0; c < C; ++c) {
                    const auto i = static_cast<size_t>(c);
                    mine1[c] += b1[i], mine2[c] += b2[i];
                }
            }
        });
    });
    for (int64_t r = 0; r < ranges; ++r)
        for (int64_t c = 0; c < C; ++c) {
            acc1[static_cast<size_t>(c)] += partial[static_cast<size_t>(2 * r * C + c)];
            acc2[static_cast<size_t>(c)] += partial[static_cast<size_t>(2 * r * C + C + c)];
        }
}

// row[0 .. n) = v (or += v), a vector at a time with no loop: GCC made the loop a call to memcpy,
// which cost a fifth of the fused backward's pass over the rows.
template <int64_t n>
MINNOW_KERNEL_INLINE void put_row(float* row, const float* v, bool accumulate) {
    static_assert(n % kWideLanes == 0, "a row is whole vectors");
    [&]<size_t... I>(std::index_sequence<I...>) {
        constexpr int64_t w = kWideLanes;
        if (accumulate) (storew(row + I * w, loadw(row + I * w) + loadw(v + I * w)), ...);
        else (storew(row + I * w, loadw(v + I * w)), ...);
    }(std::make_index_sequence<static_cast<size_t>(n / kWideLanes)>{});
}

// out[m, c] = f(m, c), or += with `accumulate`, over rows in parallel. With a fixed channel count a
// row's values go to a local array first: the compiler then knows the loads do not see the stores
// and drops its per-row overlap checks.
template <class F>
void map_rows(int64_t M, int64_t C, float* out, bool accumulate, F f) {
    parallel_for(M, kRowGrain, [&](int64_t begin, int64_t end) {
        with_channels(C, [&](auto channels) {
            constexpr int64_t n = fixed_channels<decltype(channels)>;
            for (int64_t m = begin; m < end; ++m) {
                float* row = out + m * C;
                if constexpr (n > 0) {
                    float v[n];
                    for (int64_t c = 0; c < n; ++c) v[c] = f(m, c);
                    put_row<n>(row, v, accumulate);
                } else if (accumulate) {
                    for (int64_t c = 0; c < C; ++c) row[c] += f(m, c);
                } else {
                    for (int64_t c = 0; c < C; ++c) row[c] = f(m, c);
                }
            }
        });
    });
}

// The pre-activation of a training pass, one expression shared by the forward and the fused
// backward, so the backward's ReLU mask is bit for bit the forward's.
inline float affine(float x, float scale, float shift) { return x * scale + shift; }

// The shard's moments merged with every other rank's (SyncBatchNormalization): mean and m2 (sums
// of squared deviations) per channel in double, from this shard's shifted sums. Returns the global
// count; on return mean and var hold the whole batch's (var biased).
double merge_across_ranks(const float* s, const std::vector<double>& sum_d, const std::vector<double>& sum_d2,
                          int64_t M, std::vector<double>& mean, std::vector<double>& var) {
    const size_t n = mean.size();
    std::vector<double> m2(n, 0.0);
    for (size_t c = 0; c < n && M > 0; ++c) {
        const double mean_d = sum_d[c] / double(M);
        mean[c] = double(s[c]) + mean_d;
        m2[c] = std::max(sum_d2[c] - sum_d[c] * mean_d, 0.0);
    }
    const double count = distributed::merge_moments(double(M), mean, m2);
    for (size_t c = 0; c < n; ++c) var[c] = count > 0.0 ? m2[c] / count : 0.0;
    return count;
}

// Pass 1 of a training forward: the per-channel statistics, scale and shift (out.y untouched).
void batch_statistics(const float* x, const float* gamma, const float* beta, int64_t M, int64_t C, float eps,
                      const TrainOutputs& out) {
    const auto n = static_cast<size_t>(C);
    // Sums of d = x - s and of d^2 per channel, shifted by the first row's value s. With s a sample
    // of the feature, d is centred near zero and mean(d^2) - mean(d)^2 does not cancel the way
    // E[x^2] - E[x]^2 would; the block sums are float, their totals double.
    std::vector<double> sum_d(n, 0.0), sum_d2(n, 0.0);
    const std::vector<float> first_row = M > 0 ? std::vector<float>(x, x + C) : std::vector<float>(n, 0.0f);
    const float* s = first_row.data();
    if (M > 0)
        sum_rows(M, C, sum_d, sum_d2, [&](int64_t m, int64_t c) {
            const float d = x[m * C + c] - s[c];
            return std::pair{d, d * d};
        });
    std::vector<double> mean(n), var(n);
    double count = double(M);
    if (out.across_ranks) {
        count = merge_across_ranks(s, sum_d, sum_d2, M, mean, var);
    } else {
        for (size_t c = 0; c < n; ++c) {
            const double mean_d = sum_d[c] / double(M);
            mean[c] = double(s[c]) + mean_d;
            var[c] = std::max(sum_d2[c] / double(M) - mean_d * mean_d, 0.0);
        }
    }
    if (out.count) *out.count = count;
    // y = gamma * (x - mean) * invstd + beta = x * scale + shift.
    for (int64_t c = 0; c < C; ++c) {
        const auto i = static_cast<size_t>(c);
        out.mean[c] = static_cast<float>(mean[i]);
        out.var[c] = static_cast<float>(var[i]);
        out.invstd[c] = static_cast<float>(1.0 / std::sqrt(var[i] + double(eps)));
        out.scale[c] = (gamma ? gamma[c] : 1.0f) * out.invstd[c];
        out.shift[c] = (beta ? beta[c] : 0.0f) - out.mean[c] * out.scale[c];
    }
}

// The backward's two passes for any upstream gradient grad(m, c) at the normalized output: the
// plain one reads dy, the fused ones mask it by the ReLU or compute the pooling's gradient in place.
template <class Grad>
void train_backward(const float* x, const float* gamma, const TrainSaved& saved, Grad grad, int64_t M, int64_t C,
                    float* dx, float* dgamma, float* dbeta, bool assign_dx) {
    const float* mean = saved.mean;
    const float* invstd = saved.invstd;
    const auto n = static_cast<size_t>(C);
    std::vector<double> sum_dy(n, 0.0), sum_dy_xhat(n, 0.0);
    if (M > 0)
        sum_rows(M, C, sum_dy, sum_dy_xhat, [&](int64_t m, int64_t c) {
            const float g = grad(m, c);
            return std::pair{g, g * (x[m * C + c] - mean[c]) * invstd[c]};
        });
    // dgamma and dbeta stay this shard's: the gradient allreduce of the step sums them.
    for (int64_t c = 0; c < C; ++c) {
        if (dbeta) dbeta[c] += static_cast<float>(sum_dy[static_cast<size_t>(c)]);
        if (dgamma) dgamma[c] += static_cast<float>(sum_dy_xhat[static_cast<size_t>(c)]);
    }
    double count = double(M);
    if (saved.across_ranks) {
        // Every rank takes part, whether or not it needs dx, so the collectives stay matched.
        std::vector<double> sums(2 * n);
        std::copy(sum_dy.begin(), sum_dy.end(), sums.begin());
        std::copy(sum_dy_xhat.begin(), sum_dy_xhat.end(), sums.begin() + static_cast<std::ptrdiff_t>(n));
        distributed::allreduce_sum(sums);
        std::copy_n(sums.begin(), n, sum_dy.begin());
        std::copy_n(sums.begin() + static_cast<std::ptrdiff_t>(n), n, sum_dy_xhat.begin());
        count = saved.count;
    }
    if (dx == nullptr) return;
    // dx = gamma * invstd * (dy - mean(dy) - x_hat * mean(dy * x_hat)), with x_hat = (x - mean) * invstd,
    // regrouped per channel as dx = a * dy + b * x + k.
    std::vector<float> a(n), b(n), k(n);
    for (int64_t c = 0; c < C; ++c) {
        const auto i = static_cast<size_t>(c);
        const float gain = (gamma ? gamma[c] : 1.0f) * invstd[c];
        const auto mean_dy = static_cast<float>(sum_dy[i] / count);
        const auto mean_dy_xhat = static_cast<float>(sum_dy_xhat[i] / count);
        a[i] = gain;
        b[i] = -gain * invstd[c] * mean_dy_xhat;
        k[i] = -gain * mean_dy - b[i] * mean[c];
    }
    const float* __restrict pa = a.data();
    const float* __restrict pb = b.data();
    const float* __restrict pk = k.data();
    map_rows(M, C, dx, !assign_dx,
             [&](int64_t m, int64_t c) { return pa[c] * grad(m, c) + pb[c] * x[m * C + c] + pk[c]; });
}

// With the ReLU, dy is the gradient of max(0, y): it reaches y only where y = x * scale + shift > 0,
// recomputed from x rather than read from a saved mask (one stream less per pass). dy(m, c) gives
// the incoming gradient.
template <class Dy>
auto relu_masked(const float* x, const TrainSaved& saved, int64_t C, Dy dy) {
    return [=](int64_t m, int64_t c) {
        const float g = dy(m, c);  // read unconditionally, so the select vectorizes
        return relu_gradient(affine(x[m * C + c], saved.scale[c], saved.shift[c]), g);
    };
}

}  // namespace

MINNOW_KERNEL_VARIANT(batch_norm_train_forward)
void batch_norm_train_forward(const float* x, const float* gamma, const float* beta, int64_t M, int64_t C,
                              float eps, bool relu, const TrainOutputs& out) {
    MINNOW_DISPATCH(batch_norm_train_forward, x, gamma, beta, M, C, eps, relu, out);
    batch_statistics(x, gamma, beta, M, C, eps, out);
    const float* __restrict sc = out.scale;
    const float* __restrict sh = out.shift;
    if (relu)
        map_rows(M, C, out.y, false,
                 [&](int64_t m, int64_t c) { return relu_value(affine(x[m * C + c], sc[c], sh[c])); });
    else
        map_rows(M, C, out.y, false, [&](int64_t m, int64_t c) { return affine(x[m * C + c], sc[c], sh[c]); });
}

MINNOW_KERNEL_VARIANT(batch_norm_train_backward)
void batch_norm_train_backward(const float* x, const float* gamma, const TrainSaved& saved, bool relu,
                               const float* dy, int64_t M, int64_t C, float* dx, float* dgamma, float* dbeta,
                               bool assign_dx) {
    MINNOW_DISPATCH(batch_norm_train_backward, x, gamma, saved, relu, dy, M, C, dx, dgamma, dbeta, assign_dx);
    const auto upstream = [=](int64_t m, int64_t c) { return dy[m * C + c]; };
    if (relu)
        train_backward(x, gamma, saved, relu_masked(x, saved, C, upstream), M, C, dx, dgamma, dbeta, assign_dx);
    else
        train_backward(x, gamma, saved, upstream, M, C, dx, dgamma, dbeta, assign_dx);
}

MINNOW_KERNEL_VARIANT(batch_norm_relu_max_pool_train_forward)
void batch_norm_relu_max_pool_train_forward(const float* x, const float* gamma, const float* beta,
                                            const PoolGeometry& g, float eps, const TrainOutputs& out,
                                            int32_t* argmax) {
    MINNOW_DISPATCH(batch_norm_relu_max_pool_train_forward, x, gamma, beta, g, eps, out, argmax);
    const int64_t C = g.C;
    batch_statistics(x, gamma, beta, g.N * g.H * g.W, C, eps, out);
    const float* __restrict sc = out.scale;
    const float* __restrict sh = out.shift;
    // The activations max_pool2d would have read, computed where it reads them.
    max_pool_2x2(
        g,
        [=](int64_t i, int64_t c) { return relu_value(affine(x[i], sc[c], sh[c])); },
        out.y, argmax);
}

MINNOW_KERNEL_VARIANT(batch_norm_relu_max_pool_train_backward)
void batch_norm_relu_max_pool_train_backward(const float* x, const float* gamma, const TrainSaved& saved,
                                             const float* dy, const int32_t* argmax, const PoolGeometry& g,
                                             float* dx, float* dgamma, float* dbeta, bool assign_dx) {
    MINNOW_DISPATCH(batch_norm_relu_max_pool_train_backward, x, gamma, saved, dy, argmax, g, dx, dgamma, dbeta, assign_dx);
    const int64_t C = g.C, M = g.N * g.H * g.W;
    // The window each input pixel belongs to. Pixels of the odd last row or column, in no window,
    // point at window 0, whose argmax never names them: their gradient is zero.
    std::vector<int64_t> window(static_cast<size_t>(M), 0);
    for (int64_t n = 0; n < g.N; ++n)
        for (int64_t h = 0; h < 2 * g.OH; ++h)
            for (int64_t w = 0; w < 2 * g.OW; ++w)
                window[static_cast<size_t>((n * g.H + h) * g.W + w)] = ((n * g.OH + h / 2) * g.OW + w / 2) * C;
    const int64_t* win = window.data();
    // The pooling's gradient at input (m, c): dy of its window where the window's maximum was.
    const auto pooled = [=](int64_t m, int64_t c) {
        const int64_t i = win[m] + c;
        const float grad = dy[i];  // read unconditionally, so the select vectorizes
        return argmax[i] == static_cast<int32_t>(m * C + c) ? grad : 0.0f;
    };
    train_backward(x, gamma, saved, relu_masked(x, saved, C, pooled), M, C, dx, dgamma, dbeta, assign_dx);
}

MINNOW_KERNEL_VARIANT(batch_norm_infer_forward)
void batch_norm_infer_forward(const float* x, const float* gamma, const float* beta, const float* moving_mean,
                              const float* moving_var, int64_t M, int64_t C, float eps, float* y) {
    MINNOW_DISPATCH(batch_norm_infer_forward, x, gamma, beta, moving_mean, moving_var, M, C, eps, y);
    std::vector<float> scale(static_cast<size_t>(C)), shift(static_cast<size_t>(C));
    for (int64_t c = 0; c < C; ++c) {
        scale[static_cast<size_t>(c)] = (gamma ? gamma[c] : 1.0f) / std::sqrt(moving_var[c] + eps);
        shift[static_cast<size_t>(c)] = (beta ? beta[c] : 0.0f) - moving_mean[c] * scale[static_cast<size_t>(c)];
    }
    const float* __restrict sc = scale.data();
    const float* __restrict sh = shift.data();
    map_rows(M, C, y, false, [&](int64_t m, int64_t c) { return x[m * C + c] * sc[c] + sh[c]; });
}

MINNOW_KERNEL_VARIANT(batch_norm_infer_backward)
void batch_norm_infer_backward(const float* x, const float* gamma, const float* moving_mean,
                               const float* moving_var, const float* dy, int64_t M, int64_t C, float eps, float* dx,
                               float* dgamma, float* dbeta) {
    MINNOW_DISPATCH(batch_norm_infer_backward, x, gamma, moving_mean, moving_var, dy, M, C, eps, dx, dgamma, dbeta);
    const auto n = static_cast<size_t>(C);
    std::vector<float> inv(n), scale(n);
    for (int64_t c = 0; c < C; ++c) {
        inv[static_cast<size_t>(c)] = 1.0f / std::sqrt(moving_var[c] + eps);
        scale[static_cast<size_t>(c)] = (gamma ? gamma[c] : 1.0f) * inv[static_cast<size_t>(c)];
    }
    std::vector<double> sum_dy(n, 0.0), sum_dy_xhat(n, 0.0);
    sum_rows(M, C, sum_dy, sum_dy_xhat, [&](int64_t m, int64_t c) {
        const float g = dy[m * C + c];
        return std::pair{g, g * (x[m * C + c] - moving_mean[c]) * inv[static_cast<size_t>(c)]};
    });
    for (int64_t c = 0; c < C; ++c) {
        if (dbeta) dbeta[c] += static_cast<float>(sum_dy[static_cast<size_t>(c)]);
        if (dgamma) dgamma[c] += static_cast<float>(sum_dy_xhat[static_cast<size_t>(c)]);
    }
    if (dx == nullptr) return;
    const float* __restrict sc = scale.data();
    map_rows(M, C, dx, true, [&](int64_t m, int64_t c) { return dy[m * C + c] * sc[c]; });
}

MINNOW_KERNELS_END
