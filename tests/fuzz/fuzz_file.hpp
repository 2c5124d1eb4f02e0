#pragma once
// The fuzz targets hand their input to minnow's loaders as a file, as a user would.

#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace minnow::fuzz {

/// A path of this process's own in memory-backed /dev/shm where there is one (files there cost
/// no disk I/O, so each execution is faster), else in /tmp, ending in `suffix`.
inline std::string input_path(const char* suffix) {
    static const std::string dir = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    return dir + "/minnow-fuzz-" + std::to_string(::getpid()) + "." + suffix;
}

/// Writes the input to input_path(suffix) and returns the path.
inline std::string write_input(const uint8_t* data, size_t size, const char* suffix) {
    const std::string path = input_path(suffix);
    if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
        if (size > 0) std::fwrite(data, 1, size, f);
        std::fclose(f);
    }
    return path;
}

}  // namespace minnow::fuzz
