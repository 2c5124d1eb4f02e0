#pragma once
/// Rng: a seeded random generator whose numbers are the same on every machine and standard library.

#include <cstdint>
#include <span>

namespace minnow {

/// PCG32 (O'Neill's permuted congruential generator, XSH-RR output) with our own uniform and
/// normal transforms, so a seed gives the same weights, dropout masks and shuffles everywhere.
class Rng {
public:
    /// A generator for `seed` on stream `stream` (different streams give independent sequences).
    explicit Rng(uint64_t seed = 42, uint64_t stream = 54);

    /// The next 32 random bits.
    uint32_t next_u32();
    /// The next 64 random bits (two 32-bit draws).
    uint64_t next_u64();
    /// Uniform in [0, 1) with 24 random bits: every float it returns is exact.
    float uniform();
    /// Uniform in [low, high).
    float uniform(float low, float high);
    /// Uniform integer in [0, n), unbiased (rejection), n >= 1.
    uint32_t below(uint32_t n);
    /// Standard normal (Marsaglia's polar method in double, so only sqrt and log are used).
    float normal();
    /// Normal with the given mean and standard deviation.
    float normal(float mean, float stddev);

private:
    uint64_t state_ = 0;
    uint64_t inc_ = 0;
    double spare_ = 0.0;
    bool has_spare_ = false;
};

/// Shuffles `items` in place (Fisher-Yates from the last element down, with `rng`): the order
/// fit() draws its batches in, the same on every machine.
void shuffle(std::span<int64_t> items, Rng& rng);

}  // namespace minnow
