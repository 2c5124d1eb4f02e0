#pragma once
// Move-only arrays from the caching allocator (pooling's argmax positions, the fused convolution's
// window codes), so saving them for backward costs no system allocation either.

#include <cstdint>
#include <utility>

#include "minnow/tensor/allocator.hpp"

namespace minnow::detail {

/// n values of T, uninitialized, from the caching allocator.
template <class T>
class ScratchBuffer {
public:
    explicit ScratchBuffer(int64_t n)
        : n_(n), data_(static_cast<T*>(allocator::allocate(bytes()))) {}
    ~ScratchBuffer() { allocator::release(data_, bytes()); }
    ScratchBuffer(ScratchBuffer&& other) noexcept : n_(other.n_), data_(std::exchange(other.data_, nullptr)) {}
    ScratchBuffer(const ScratchBuffer&) = delete;
    ScratchBuffer& operator=(const ScratchBuffer&) = delete;
    ScratchBuffer& operator=(ScratchBuffer&&) = delete;

    T* data() { return data_; }
    const T* data() const { return data_; }

private:
    std::size_t bytes() const { return static_cast<std::size_t>(n_) * sizeof(T); }
    int64_t n_;
    T* data_;
};

using IndexBuffer = ScratchBuffer<int32_t>;

}  // namespace minnow::detail
