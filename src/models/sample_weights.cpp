#include "models/sample_weights.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "minnow/core/error.hpp"

namespace minnow::detail {

Tensor class_weights_for(const Dataset& data, const std::map<int64_t, double>& class_weight, const std::string& who) {
    for (const auto& [cls, weight] : class_weight)
        MINNOW_CHECK(std::isfinite(weight), ValueError, "{}: class_weight for class {} is {}, not a finite number", who,
                     cls, weight);
    MINNOW_CHECK(data.has_targets(), ValueError, "{}: class_weight needs targets (y)", who);
    Tensor weights(Shape{data.size()});
    constexpr int64_t kChunk = 4096;  // labels are read a chunk at a time, not all at once
    std::vector<int64_t> rows;
    for (int64_t begin = 0; begin < data.size(); begin += kChunk) {
        rows.resize(static_cast<size_t>(std::min(kChunk, data.size() - begin)));
        std::iota(rows.begin(), rows.end(), begin);
        const Tensor y = data.gather_y(rows);
        const int64_t width = y.numel() / static_cast<int64_t>(rows.size());
        for (size_t i = 0; i < rows.size(); ++i) {
            const float* row = y.data() + static_cast<int64_t>(i) * width;
            const int64_t cls = width == 1 ? std::llround(row[0]) : std::max_element(row, row + width) - row;
            const auto found = class_weight.find(cls);
            weights.data()[begin + static_cast<int64_t>(i)] = found == class_weight.end() ? 1.0f : float(found->second);
        }
    }
    return weights;
}

Tensor rows_between(const Tensor& weights, int64_t begin, int64_t end) {
    std::vector<int64_t> rows(static_cast<size_t>(end - begin));
    std::iota(rows.begin(), rows.end(), begin);
    return gather_rows(weights, rows);
}

}  // namespace minnow::detail
