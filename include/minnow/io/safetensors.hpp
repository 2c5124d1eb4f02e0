#pragma once
/// The safetensors format: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw little-endian data. PyTorch's and other
/// safetensors readers open minnow's files.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "minnow/tensor/tensor.hpp"

namespace minnow::io {

/// Writes `tensors` (name, tensor) as F32 with string `metadata`, atomically: to a temporary
/// file PATH.tmp-PID, flushed and synced, then renamed over `path`, so a failure leaves the old
/// file intact. A save killed before the rename leaves its temporary behind: the next save or load
/// of the same path removes it (remove_stale_temporaries).
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, const Tensor*>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

/// The content of a safetensors file, tensors in the order of their data.
struct SafetensorsContent {
    std::map<std::string, std::string> metadata;        ///< the header's __metadata__
    std::vector<std::pair<std::string, Tensor>> tensors;  ///< name and value
};

/// Reads a safetensors file of F32 tensors. Checks the header length against the file size, the
/// JSON, every dtype, shape and byte range, and that the data section is exactly as long as the
/// header says; refuses with an IoError naming the file and the first problem.
SafetensorsContent read_safetensors(const std::string& path);

/// Writes `bytes` to `path` atomically (temporary file, flush, fsync, rename).
void write_file_atomic(const std::string& path, const std::string& bytes);

/// Removes PATH.tmp-PID files left by saves of `path` whose process no longer runs.
void remove_stale_temporaries(const std::string& path);

}  // namespace minnow::io
