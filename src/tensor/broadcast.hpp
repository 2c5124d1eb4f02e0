#pragma once
// Strided iteration over a broadcast: the loops behind binary ops and sum_to.

#include <cstdint>
#include <vector>

#include "minnow/core/shape.hpp"

namespace minnow::detail {

/// Strides of `in` aligned to the rank of `out`, 0 where `in` is broadcast along that axis.
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

/// Calls fn(out_offset, a_offset, b_offset, count, a_step, b_step) once per innermost run of `out`,
/// where the run covers `count` elements stepping a by a_step and b by b_step.
template <class Fn>
void for_each_broadcast_run(const Shape& out, const std::vector<int64_t>& sa, const std::vector<int64_t>& sb,
                            Fn&& fn) {
    const int64_t rank = out.rank();
    if (rank == 0) {
        fn(int64_t{0}, int64_t{0}, int64_t{0}, int64_t{1}, int64_t{0}, int64_t{0});
        return;
    }
    const int64_t inner = out[rank - 1];
    const int64_t outer = inner == 0 ? 0 : out.numel() / inner;
    std::vector<int64_t> index(static_cast<size_t>(rank), 0);
    int64_t a_off = 0, b_off = 0;
    for (int64_t run = 0; run < outer; ++run) {
        fn(run * inner, a_off, b_off, inner, sa[rank - 1], sb[rank - 1]);
        // Advance the multi-index over all but the last axis, like an odometer.
        for (int64_t axis = rank - 2; axis >= 0; --axis) {
            const auto ax = static_cast<size_t>(axis);
            ++index[ax];
            a_off += sa[ax];
            b_off += sb[ax];
            if (index[ax] < out[axis]) break;
            a_off -= sa[ax] * index[ax];
            b_off -= sb[ax] * index[ax];
            index[ax] = 0;
        }
    }
}

}  // namespace minnow::detail
