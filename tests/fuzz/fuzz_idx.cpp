// libFuzzer target: the IDX reader on any bytes, as a plain file (make fuzz; tests/fuzz/README.md).
// Every input must end in an IdxArray or a minnow::Error: never a crash, a leak or a hang.
#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

#include "fuzz_file.hpp"
#include "minnow/core/error.hpp"
#include "minnow/data/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = minnow::fuzz::write_input(data, size, "idx");
    try {
        (void)minnow::data::read_idx(path);
    } catch (const minnow::Error&) {
    }
    return 0;
}
