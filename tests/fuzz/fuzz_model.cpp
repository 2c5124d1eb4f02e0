// libFuzzer target: the whole-model loader (safetensors header, architecture JSON, tensors) on any
// bytes (make fuzz; tests/fuzz/README.md). Every input ends in a model or a minnow::Error.
#include <cstdint>
#include <string>

#include "fuzz_file.hpp"
#include "minnow/core/error.hpp"
#include "minnow/models/sequential.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = minnow::fuzz::write_input(data, size, "safetensors");
    try {
        minnow::Sequential model = minnow::load_model(path);
        (void)model.count_params();
    } catch (const minnow::Error&) {
    }
    return 0;
}
