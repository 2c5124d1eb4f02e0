// A data-parallel fit in which rank 1 throws at its third batch while rank 0 goes on to the next
// step's allreduce. The job must end, with rank 1's message, rather than leave rank 0 waiting.
#include <stdexcept>

#include "minnow/minnow.hpp"

namespace {

class FailOnRankOne : public minnow::Callback {
public:
    void on_batch_end(int batch, const minnow::Logs&) override {
        if (minnow::distributed::rank() == 1 && batch == 2)
            throw std::runtime_error("rank 1 fails on purpose at batch 3");
    }
};

}  // namespace

int main(int argc, char** argv) {
    minnow::distributed::Session mpi(argc, argv);
    minnow::Sequential model({minnow::Input({8}), minnow::Dense(8), minnow::BatchNormalization(),
                              minnow::Dense(2, "softmax")});
    model.compile(minnow::Adam(), "sparse_categorical_crossentropy");
    minnow::Tensor x = minnow::Tensor::zeros({256, 8}), y = minnow::Tensor::zeros({256});
    for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = float(i % 7);
    model.fit(x, y, {.epochs = 5, .verbose = 0, .callbacks = {std::make_shared<FailOnRankOne>()}, .distributed = true});
    return 0;
}
