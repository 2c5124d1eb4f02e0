#include <catch2/catch.hpp>

#include <cstdint>
#include <thread>

#include "minnow/core/error.hpp"
#include "minnow/tensor/allocator.hpp"
#include "minnow/tensor/tensor.hpp"

using namespace minnow;

TEST_CASE("Tensor: creation helpers", "[tensor]") {
    CHECK(Tensor::zeros({2, 3}).to_vector() == std::vector<float>(6, 0.0f));
    CHECK(Tensor::ones({4}).to_vector() == std::vector<float>(4, 1.0f));
    CHECK(Tensor::full({2}, 2.5f).to_vector() == std::vector<float>{2.5f, 2.5f});
    CHECK(Tensor::arange(4).to_vector() == std::vector<float>{0, 1, 2, 3});
    CHECK(Tensor::arange(1.0f, 2.0f, 0.25f).to_vector() == std::vector<float>{1.0f, 1.25f, 1.5f, 1.75f});
    CHECK(Tensor::scalar(3.0f).rank() == 0);
    CHECK(Tensor::scalar(3.0f).item() == 3.0f);
    const Tensor t = Tensor::from_data({2, 2}, {1, 2, 3, 4});
    CHECK(t.at({1, 0}) == 3.0f);
    CHECK_THROWS_AS(Tensor::from_data({2, 2}, {1, 2, 3}), ShapeError);
    CHECK_THROWS_AS(t.at({2, 0}), ShapeError);
}

TEST_CASE("Tensor: storage is 64-byte aligned", "[tensor]") {
    for (int64_t n : {1, 3, 17, 1000, 12345}) {
        Tensor t({n});
        CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0);
    }
}

TEST_CASE("Tensor: copies are deep and moves are free", "[tensor]") {
    Tensor a = Tensor::from_data({3}, {1, 2, 3});
    Tensor b = a;
    b.flat(0) = 9.0f;
    CHECK(a.flat(0) == 1.0f);
    const float* storage = a.data();
    Tensor c = std::move(a);
    CHECK(c.data() == storage);
    CHECK_FALSE(a.defined());  // NOLINT(bugprone-use-after-move): a moved-from tensor is undefined
}

TEST_CASE("Tensor: reshape keeps the data and refuses another element count", "[tensor]") {
    const Tensor t = Tensor::arange(6);
    const Tensor r = t.reshape({2, 3});
    CHECK(r.shape() == Shape{2, 3});
    CHECK(r.at({1, 2}) == 5.0f);
    CHECK(t.reshape({-1, 2}).shape() == Shape{3, 2});
    try {
        (void)t.reshape({4, 2});
        FAIL("reshape to 8 elements should throw");
    } catch (const ShapeError& e) {
        CHECK_THAT(e.what(), Catch::Contains("(6,)") && Catch::Contains("(4, 2)"));
    }
}

TEST_CASE("Tensor: random creation is reproducible", "[tensor]") {
    Rng a(3), b(3);
    CHECK(Tensor::normal({10}, 0, 1, a).to_vector() == Tensor::normal({10}, 0, 1, b).to_vector());
}

TEST_CASE("Tensor: slice_rows copies a batch", "[tensor]") {
    const Tensor t = Tensor::arange(12).reshape({4, 3});
    const Tensor s = t.slice_rows(1, 3);
    CHECK(s.shape() == Shape{2, 3});
    CHECK(s.to_vector() == std::vector<float>{3, 4, 5, 6, 7, 8});
    CHECK_THROWS_AS(t.slice_rows(3, 5), ShapeError);
}

TEST_CASE("allocator: a freed block is reused without asking the system", "[tensor][allocator]") {
    { Tensor warm({1000}); }
    const auto before = allocator::stats();
    for (int i = 0; i < 100; ++i) {
        Tensor t({1000});
        t.fill(1.0f);
    }
    const auto after = allocator::stats();
    CHECK(after.system_allocations == before.system_allocations);
    CHECK(after.cache_hits - before.cache_hits == 100);
}

TEST_CASE("allocator: a thread gets back the block it released, not the one another thread released last",
          "[tensor][allocator]") {
    constexpr std::size_t kBytes = 12345 * sizeof(float);
    void* mine = allocator::allocate(kBytes);
    void* theirs = nullptr;
    std::thread other([&] { theirs = allocator::allocate(kBytes); });
    other.join();
    allocator::release(mine, kBytes);
    std::thread releaser([&] { allocator::release(theirs, kBytes); });  // now the last of its size
    releaser.join();
    void* again = allocator::allocate(kBytes);
    CHECK(again == mine);
    allocator::release(again, kBytes);
}

TEST_CASE("allocator: buckets waste at most a quarter", "[tensor][allocator]") {
    for (std::size_t bytes : {1u, 64u, 65u, 1000u, 4096u, 5000u, 1u << 20, (1u << 20) + 1}) {
        const std::size_t b = allocator::bucket_size(bytes);
        CHECK(b >= bytes);
        CHECK(b % allocator::kAlignment == 0);
        if (bytes > 256) CHECK(double(b) <= 1.25 * double(bytes) + 64);
    }
}
