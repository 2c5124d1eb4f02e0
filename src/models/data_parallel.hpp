#pragma once
// The pieces of Sequential's data-parallel fit (FitOptions::distributed) on MPI ranks: which rows
// of a global batch are this rank's, rank 0's state on every rank, the step's one allreduce, and
// the reductions of the metrics.

#include <span>
#include <utility>
#include <vector>

#include "minnow/layers/batch_normalization.hpp"
#include "minnow/models/sequential.hpp"

namespace minnow::detail {

/// Checks the shares against the job's ranks (one non-negative share per rank, not all zero).
void check_data_parallel(const DataParallel& strategy, int ranks, const std::string& who);

/// This rank's rows [begin, end) of a global batch of `rows` rows: equal shards (the first
/// `rows % size` ranks one row more), or shards in proportion to `shares` (largest remainder, so
/// they add up to `rows`). Shards may be empty.
std::pair<int64_t, int64_t> shard_bounds(int64_t rows, const std::vector<double>& shares, int rank, int size);

/// Rank 0's weights (trainable and not), and its optimizer's state (slots, accumulated gradients,
/// step counter, a constant learning rate, scalar state), on every rank: one broadcast each.
void broadcast_training_state(const Sequential& model, Optimizer* optimizer);

/// The synchronized BatchNormalization layers that normalize with batch statistics in training,
/// in the order their forwards run (nested layers opened up through sublayers()).
std::vector<BatchNormalization*> synchronized_batch_norms(const Sequential& model);

/// The BatchNormalization layers that normalize per shard (trainable, not synchronized), in order.
std::vector<BatchNormalization*> per_shard_batch_norms(const Sequential& model);

/// The step's one allreduce: every trainable weight's gradient (zero where a rank has none), and
/// `extra` (summed too), in one contiguous buffer. A weight no rank has a gradient for keeps none.
void allreduce_gradients(const std::vector<Variable>& weights, std::vector<float>& extra);

}  // namespace minnow::detail
