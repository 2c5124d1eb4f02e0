#pragma once
// A move-only array of int32 from the caching allocator (pooling's argmax positions), so saving
// indices for backward costs no system allocation either.

#include <cstdint>
#include <utility>

#include "minnow/tensor/allocator.hpp"

namespace minnow::detail {

class IndexBuffer {
public:
    explicit IndexBuffer(int64_t n)
        : n_(n), data_(static_cast<int32_t*>(allocator::allocate(bytes()))) {}
    ~IndexBuffer() { allocator::release(data_, bytes()); }
    IndexBuffer(IndexBuffer&& other) noexcept : n_(other.n_), data_(std::exchange(other.data_, nullptr)) {}
    IndexBuffer(const IndexBuffer&) = delete;
    IndexBuffer& operator=(const IndexBuffer&) = delete;
    IndexBuffer& operator=(IndexBuffer&&) = delete;

    int32_t* data() { return data_; }
    const int32_t* data() const { return data_; }

private:
    std::size_t bytes() const { return static_cast<std::size_t>(n_) * sizeof(int32_t); }
    int64_t n_;
    int32_t* data_;
};

}  // namespace minnow::detail
