#pragma once
/// Sizes and padding for the 2-D ops (Conv2D, MaxPooling2D), Keras style.

#include <cstdint>
#include <string>
#include <string_view>

namespace minnow {

/// A (height, width) pair; a single number means both, as Keras' `kernel_size=3`.
struct Size2 {
    int64_t h = 1;  ///< height: rows
    int64_t w = 1;  ///< width: columns
    Size2() = default;
    /// Both the same: Keras' `3` means (3, 3).
    Size2(int64_t both) : h(both), w(both) {}  // NOLINT(google-explicit-constructor): Keras' `3` means (3, 3)
    /// Rows and columns.
    Size2(int64_t height, int64_t width) : h(height), w(width) {}
    /// Both equal.
    bool operator==(const Size2&) const = default;
    /// "(3, 3)".
    std::string str() const;
};

/// "valid": no padding, windows stay inside the input; "same": output size ceil(in / stride),
/// padded with the extra row and column at the bottom and right, as Keras and TensorFlow do.
enum class Padding { Valid, Same };

/// Padding by Keras name ("valid" or "same"); ValueError otherwise.
Padding padding_from_name(std::string_view name);
/// "valid" or "same".
std::string_view padding_name(Padding padding);

/// Output length and padding before the first element along one axis.
struct AxisWindow {
    int64_t out = 0;         ///< output length
    int64_t pad_before = 0;  ///< padding before the first element
};
/// The window arithmetic of one axis (input length, window, stride); out <= 0 when a "valid"
/// window does not fit.
AxisWindow axis_window(int64_t in, int64_t window, int64_t stride, Padding padding);

}  // namespace minnow
