#pragma once
// Chan, Golub and LeVeque's pairwise merge of per-part moments: the core of SyncBatchNormalization's
// statistics across ranks (distributed.cpp), kept apart so it can be checked on one process.

#include <cstddef>
#include <span>

namespace minnow::detail {

/// Merges `parts` in order, each laid out as [count, mean[0..C), m2[0..C)] (m2: the sum of squared
/// deviations from the part's mean), into mean and m2 (C each); returns the total count. Parts of
/// count 0 are skipped. The difference of two parts' means carries the between-part variance, so
/// nothing like E[x^2] - E[x]^2 cancels.
inline double merge_moments_in_order(std::span<const double> parts, size_t C, std::span<double> mean,
                                     std::span<double> m2) {
    const size_t stride = 1 + 2 * C;
    double n = 0.0;
    for (size_t c = 0; c < C; ++c) mean[c] = 0.0, m2[c] = 0.0;
    for (size_t at = 0; at + stride <= parts.size(); at += stride) {
        const double* part = parts.data() + at;
        const double nb = part[0];
        if (nb == 0.0) continue;
        const double total = n + nb;
        for (size_t c = 0; c < C; ++c) {
            const double delta = part[1 + c] - mean[c];
            mean[c] += delta * nb / total;
            m2[c] += part[1 + C + c] + delta * delta * n * nb / total;
        }
        n = total;
    }
    return n;
}

}  // namespace minnow::detail
