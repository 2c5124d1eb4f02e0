#pragma once
/// MD5 digests (RFC 1321), to name data files in run manifests the way datasets publish them.
/// Not for security.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace minnow::io {

/// Incremental MD5: feed bytes with update(), read the 32-digit lowercase hex digest with hex().
class Md5 {
public:
    Md5();
    /// Feeds `size` bytes at `data`.
    void update(const void* data, size_t size);
    /// The digest of everything fed so far (feeding more afterwards is a StateError).
    std::string hex();

private:
    void block(const uint8_t* p);
    uint32_t state_[4];
    uint64_t length_ = 0;  // bytes fed
    uint8_t buffer_[64] = {};
    size_t buffered_ = 0;
    bool finished_ = false;
};

/// The MD5 of `bytes`.
std::string md5_hex(std::string_view bytes);
/// The MD5 of a file's bytes as stored (IoError naming the file if it cannot be read).
std::string md5_file(const std::string& path);

}  // namespace minnow::io
