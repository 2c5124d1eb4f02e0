#pragma once
// An inference plan run over rows of a dataset, the rows split between the threads when the plan
// and the dataset allow it (Plan::concurrent_rows, Dataset::concurrent_gather).

#include <cstdint>
#include <span>

#include "minnow/data/dataset.hpp"
#include "models/plan.hpp"

namespace minnow::detail {

/// The plan's output (its logits with `logits`, as Plan::run) for `rows` of `data`, in their order.
/// minnow's own kernels compute each row alike whether the rows ran whole or in parts; OpenBLAS
/// (a Dense layer whose units are not a multiple of the tile width) may round a row differently
/// by its place in the product, as its own split of the rows between threads already does.
Tensor run_rows(const Plan& plan, const Dataset& data, std::span<const int64_t> rows, bool logits = false);

/// run_rows over `rows` a chunk of `chunk` at a time, each output row (`row_size` floats) written
/// to out in the rows' order. Each chunk runs in the same parts as run_rows would run it, but the
/// threads go through all the chunks' parts in one job, each claiming the next part when it gets
/// free: a join per chunk (W2's 209 chunks of 48 images a predict of 10,000) left a thread waiting
/// for the other at each.
void run_chunks(const Plan& plan, const Dataset& data, std::span<const int64_t> rows, int64_t chunk,
                int64_t row_size, float* out);

}  // namespace minnow::detail
