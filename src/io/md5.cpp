// MD5 as RFC 1321 specifies it: 64-byte blocks, four rounds of 16 steps, little-endian words,
// the message padded with 0x80, zeros and its bit length.
#include "minnow/io/md5.hpp"

#include <array>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <vector>

#include "minnow/core/error.hpp"

namespace minnow::io {

namespace {

// Per-step left rotations.
constexpr uint32_t kShift[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

// K[i] = floor(2^32 * |sin(i + 1)|), the RFC's table, computed once.
const std::array<uint32_t, 64>& constants() {
    static const std::array<uint32_t, 64> k = [] {
        std::array<uint32_t, 64> t{};
        for (size_t i = 0; i < 64; ++i)
            t[i] = static_cast<uint32_t>(std::floor(std::fabs(std::sin(double(i + 1))) * 4294967296.0));
        return t;
    }();
    return k;
}

uint32_t rotl(uint32_t x, uint32_t c) { return (x << c) | (x >> (32 - c)); }

}  // namespace

Md5::Md5() : state_{0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u} {}

void Md5::block(const uint8_t* p) {
    uint32_t m[16];
    for (int i = 0; i < 16; ++i)
        m[i] = uint32_t(p[4 * i]) | uint32_t(p[4 * i + 1]) << 8 | uint32_t(p[4 * i + 2]) << 16 | uint32_t(p[4 * i + 3]) << 24;
    const auto& k = constants();
    uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
    for (uint32_t i = 0; i < 64; ++i) {
        uint32_t f, g;
        if (i < 16) f = (b & c) | (~b & d), g = i;
        else if (i < 32) f = (d & b) | (~d & c), g = (5 * i + 1) % 16;
        else if (i < 48) f = b ^ c ^ d, g = (3 * i + 5) % 16;
        else f = c ^ (b | ~d), g = (7 * i) % 16;
        const uint32_t next = b + rotl(a + f + k[i] + m[g], kShift[i]);
        a = d, d = c, c = b, b = next;
    }
    state_[0] += a, state_[1] += b, state_[2] += c, state_[3] += d;
}

void Md5::update(const void* data, size_t size) {
    MINNOW_CHECK(!finished_, StateError, "Md5: update() after hex()");
    const auto* p = static_cast<const uint8_t*>(data);
    length_ += size;
    while (size > 0) {
        const size_t take = std::min(size, sizeof buffer_ - buffered_);
        std::memcpy(buffer_ + buffered_, p, take);
        buffered_ += take, p += take, size -= take;
        if (buffered_ == sizeof buffer_) {
            block(buffer_);
            buffered_ = 0;
        }
    }
}

std::string Md5::hex() {
    if (!finished_) {
        const uint64_t bits = length_ * 8;
        const uint8_t one = 0x80, zero = 0;
        update(&one, 1);
        while (buffered_ != 56) update(&zero, 1);
        uint8_t len[8];
        for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(bits >> (8 * i));
        update(len, 8);
        finished_ = true;
    }
    std::string out;
    for (uint32_t word : state_)
        for (int i = 0; i < 4; ++i) out += fmt::format("{:02x}", (word >> (8 * i)) & 0xff);
    return out;
}

std::string md5_hex(std::string_view bytes) {
    Md5 md5;
    md5.update(bytes.data(), bytes.size());
    return md5.hex();
}

std::string md5_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    MINNOW_CHECK(in.good(), IoError, "{}: cannot open to compute its MD5", path);
    Md5 md5;
    std::vector<char> buf(1 << 20);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        md5.update(buf.data(), static_cast<size_t>(in.gcount()));
    }
    MINNOW_CHECK(in.eof(), IoError, "{}: read failed while computing its MD5", path);
    return md5.hex();
}

}  // namespace minnow::io
