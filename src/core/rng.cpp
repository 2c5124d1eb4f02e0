#include "minnow/core/rng.hpp"

#include <cmath>
#include <utility>

namespace minnow {

namespace {
constexpr uint64_t kMultiplier = 6364136223846793005ULL;
}

Rng::Rng(uint64_t seed, uint64_t stream) : inc_((stream << 1u) | 1u) {
    // The reference seeding sequence: advance once, add the seed, advance again.
    next_u32();
    state_ += seed;
    next_u32();
}

uint32_t Rng::next_u32() {
    const uint64_t old = state_;
    state_ = old * kMultiplier + inc_;
    const auto xorshifted = static_cast<uint32_t>(((old >> 18u) ^ old) >> 27u);
    const auto rot = static_cast<uint32_t>(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

uint64_t Rng::next_u64() {
    const uint64_t hi = next_u32();
    return (hi << 32u) | next_u32();
}

float Rng::uniform() { return static_cast<float>(next_u32() >> 8u) * 0x1.0p-24f; }

float Rng::uniform(float low, float high) { return low + (high - low) * uniform(); }

uint32_t Rng::below(uint32_t n) {
    // Reject the top sliver of values that would make some residues more likely than others.
    const uint32_t threshold = (0u - n) % n;
    for (;;) {
        const uint32_t r = next_u32();
        if (r >= threshold) return r % n;
    }
}

float Rng::normal() {
    if (has_spare_) {
        has_spare_ = false;
        return static_cast<float>(spare_);
    }
    double u, v, s;
    do {
        // 53-bit uniforms in (-1, 1).
        u = static_cast<double>(next_u64() >> 11u) * 0x1.0p-52 - 1.0;
        v = static_cast<double>(next_u64() >> 11u) * 0x1.0p-52 - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double factor = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * factor;
    has_spare_ = true;
    return static_cast<float>(u * factor);
}

float Rng::normal(float mean, float stddev) { return mean + stddev * normal(); }

void shuffle(std::span<int64_t> items, Rng& rng) {
    for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng.below(static_cast<uint32_t>(i))]);
}

}  // namespace minnow
