#pragma once
// A dataset over tensors that records the rows of every gather_x call (`batches`) and of every
// prefetch hint (`prefetched`), for tests of which batches training asks for and in what order.

#include <cstdint>
#include <span>
#include <vector>

#include "minnow/data/dataset.hpp"

namespace minnow::test {

class RecordingDataset : public Dataset {
public:
    RecordingDataset(Tensor x, Tensor y) : inner_(std::move(x), std::move(y)) {}
    int64_t size() const override { return inner_.size(); }
    Shape sample_shape() const override { return inner_.sample_shape(); }
    Shape target_shape() const override { return inner_.target_shape(); }
    Tensor gather_x(std::span<const int64_t> rows) const override {
        batches.emplace_back(rows.begin(), rows.end());
        return inner_.gather_x(rows);
    }
    Tensor gather_y(std::span<const int64_t> rows) const override { return inner_.gather_y(rows); }
    void prefetch(std::span<const int64_t> rows) const override { prefetched.emplace_back(rows.begin(), rows.end()); }
    mutable std::vector<std::vector<int64_t>> batches, prefetched;

private:
    TensorDataset inner_;
};

}  // namespace minnow::test
