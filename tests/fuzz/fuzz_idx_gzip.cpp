// libFuzzer target: the IDX reader on any bytes gzip-compressed first, so mutations reach the
// IDX structure inside a valid gzip stream (make fuzz; tests/fuzz/README.md).
#include <cstdint>
#include <string>
#include <zlib.h>

#include "fuzz_file.hpp"
#include "minnow/core/error.hpp"
#include "minnow/data/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = minnow::fuzz::input_path("idx.gz");
    gzFile f = gzopen(path.c_str(), "wb1");
    if (f == nullptr) return 0;
    if (size > 0) gzwrite(f, data, static_cast<unsigned>(size));
    gzclose(f);
    try {
        (void)minnow::data::read_idx(path);
    } catch (const minnow::Error&) {
    }
    return 0;
}
