// Does a training step at steady state go to the system for memory? Counts, over 100 steps of a
// small training-like loop (linear, relu, linear, softmax cross-entropy, backward, SGD), the
// blocks the tensor allocator had to take from the system and glibc's heap growth.
#include <malloc.h>

#include <fmt/format.h>

#include "bench.hpp"
#include "minnow/minnow.hpp"

namespace minnow::bench {

namespace {

struct TinyMlp {
    Variable W1, b1, W2, b2;
    Tensor x, labels;

    explicit TinyMlp(Rng& rng)
        : W1(Tensor::uniform({784, 128}, -0.08f, 0.08f, rng), true),
          b1(Tensor::zeros({128}), true),
          W2(Tensor::uniform({128, 10}, -0.2f, 0.2f, rng), true),
          b2(Tensor::zeros({10}), true),
          x(Tensor::uniform({32, 784}, 0, 1, rng)),
          labels(Tensor::zeros({32})) {
        for (int64_t i = 0; i < 32; ++i) labels.data()[i] = static_cast<float>(i % 10);
    }

    float step() {
        Variable loss = sparse_softmax_cross_entropy(linear(relu(linear(Variable(x), W1, b1)), W2, b2), labels);
        loss.backward();
        for (Variable* p : {&W1, &b1, &W2, &b2}) {
            axpy_into(p->value(), -0.01f, p->grad());
            p->zero_grad();
        }
        return loss.value().item();
    }
};

int64_t heap_bytes() {
    const struct mallinfo2 info = mallinfo2();
    return static_cast<int64_t>(info.arena + info.hblkhd);
}

}  // namespace

void bench_alloc(std::vector<Row>& rows) {
    Rng rng(3);
    TinyMlp model(rng);
    for (int i = 0; i < 5; ++i) model.step();  // warm-up fills the allocator's buckets
    const auto before = allocator::stats();
    const int64_t heap_before = heap_bytes();
    const double t0 = now();
    for (int i = 0; i < 100; ++i) model.step();
    const double ms = (now() - t0) * 1e3 / 100;
    const auto after = allocator::stats();
    Row row{"alloc", "100 steady-state steps, MLP 784-128-10, batch 32", ms, 0.0};
    row.extra["system_allocations"] = after.system_allocations - before.system_allocations;
    row.extra["allocator_cache_hits"] = after.cache_hits - before.cache_hits;
    row.extra["heap_growth_bytes"] = heap_bytes() - heap_before;
    rows.push_back(row);
}

}  // namespace minnow::bench
