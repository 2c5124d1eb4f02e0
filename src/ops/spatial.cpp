#include "minnow/ops/spatial.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "minnow/core/error.hpp"

namespace minnow {

std::string Size2::str() const { return fmt::format("({}, {})", h, w); }

Padding padding_from_name(std::string_view name) {
    if (name == "valid") return Padding::Valid;
    if (name == "same") return Padding::Same;
    throw ValueError(fmt::format("invalid padding '{}'; expected 'valid' or 'same'", name));
}

std::string_view padding_name(Padding padding) { return padding == Padding::Valid ? "valid" : "same"; }

AxisWindow axis_window(int64_t in, int64_t window, int64_t stride, Padding padding) {
    if (padding == Padding::Valid) return {in >= window ? (in - window) / stride + 1 : 0, 0};
    const int64_t out = (in + stride - 1) / stride;
    const int64_t pad_total = std::max<int64_t>((out - 1) * stride + window - in, 0);
    return {out, pad_total / 2};  // the odd extra row or column goes after (bottom / right)
}

}  // namespace minnow
