#pragma once
// The x86 floating-point control bits minnow touches: flush-to-zero and denormals-are-zero.
// TensorFlow (and so Keras on CPU) trains with denormals flushed; without it, values that decay
// geometrically (Adam's moments of always-zero inputs) drift into denormals, which cost up to a
// hundred cycles an operation. Other architectures: no-ops.

#include <cstdint>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define MINNOW_HAS_MXCSR 1
#endif

namespace minnow::detail {

inline uint32_t float_mode() {
#ifdef MINNOW_HAS_MXCSR
    return _mm_getcsr();
#else
    return 0;
#endif
}

inline void set_float_mode([[maybe_unused]] uint32_t mode) {
#ifdef MINNOW_HAS_MXCSR
    _mm_setcsr(mode);
#endif
}

/// While alive, denormal results become zero and denormal inputs read as zero on this thread.
class FlushDenormals {
public:
    FlushDenormals() : saved_(float_mode()) {
#ifdef MINNOW_HAS_MXCSR
        set_float_mode(saved_ | 0x8040u);  // FTZ (bit 15) | DAZ (bit 6)
#endif
    }
    ~FlushDenormals() { set_float_mode(saved_); }
    FlushDenormals(const FlushDenormals&) = delete;
    FlushDenormals& operator=(const FlushDenormals&) = delete;

private:
    uint32_t saved_;
};

}  // namespace minnow::detail
