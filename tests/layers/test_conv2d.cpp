#include <catch2/catch.hpp>

#include <initializer_list>
#include <limits>

#include "core/config_json.hpp"
#include "minnow/autograd/graph.hpp"
#include "minnow/core/error.hpp"
#include "minnow/core/parallel.hpp"
#include "minnow/core/rng.hpp"
#include "minnow/layers/layers.hpp"
#include "minnow/tensor/tensor_ops.hpp"
#include "support/gradcheck.hpp"
#include "support/layer_checks.hpp"
#include "minnow/ops/activations.hpp"
#include "minnow/ops/arithmetic.hpp"
#include "minnow/ops/conv2d.hpp"
#include "minnow/ops/pooling.hpp"
#include <nlohmann/json.hpp>

using namespace minnow;
using minnow::test::check_layer;

namespace {

// Keras/TensorFlow "same": out = ceil(in / stride), total padding split with the odd one after.
int64_t pad_before(int64_t in, int64_t k, int64_t s, bool same) {
    if (!same) return 0;
    const int64_t out = (in + s - 1) / s;
    return std::max<int64_t>((out - 1) * s + k - in, 0) / 2;
}
int64_t out_len(int64_t in, int64_t k, int64_t s, bool same) { return same ? (in + s - 1) / s : (in - k) / s + 1; }

// A direct convolution, one output at a time, in double.
Tensor naive_conv(const Tensor& x, const Tensor& w, const Tensor& b, int64_t s, bool same) {
    const int64_t N = x.dim(0), H = x.dim(1), W = x.dim(2), C = x.dim(3);
    const int64_t KH = w.dim(0), KW = w.dim(1), K = w.dim(3);
    const int64_t OH = out_len(H, KH, s, same), OW = out_len(W, KW, s, same);
    const int64_t pt = pad_before(H, KH, s, same), pl = pad_before(W, KW, s, same);
    Tensor y({N, OH, OW, K});
    for (int64_t n = 0; n < N; ++n)
        for (int64_t oh = 0; oh < OH; ++oh)
            for (int64_t ow = 0; ow < OW; ++ow)
                for (int64_t k = 0; k < K; ++k) {
                    double acc = b.flat(k);
                    for (int64_t kh = 0; kh < KH; ++kh)
                        for (int64_t kw = 0; kw < KW; ++kw)
                            for (int64_t c = 0; c < C; ++c) {
                                const int64_t ih = oh * s - pt + kh, iw = ow * s - pl + kw;
                                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                                acc += double(x.at({n, ih, iw, c})) * w.at({kh, kw, c, k});
                            }
                    y.at({n, oh, ow, k}) = static_cast<float>(acc);
                }
    return y;
}

Tensor naive_pool(const Tensor& x, int64_t p, int64_t s, bool same) {
    const int64_t N = x.dim(0), H = x.dim(1), W = x.dim(2), C = x.dim(3);
    const int64_t OH = out_len(H, p, s, same), OW = out_len(W, p, s, same);
    const int64_t pt = pad_before(H, p, s, same), pl = pad_before(W, p, s, same);
    Tensor y({N, OH, OW, C});
    for (int64_t n = 0; n < N; ++n)
        for (int64_t oh = 0; oh < OH; ++oh)
            for (int64_t ow = 0; ow < OW; ++ow)
                for (int64_t c = 0; c < C; ++c) {
                    float m = -std::numeric_limits<float>::infinity();
                    for (int64_t i = 0; i < p; ++i)
                        for (int64_t j = 0; j < p; ++j) {
                            const int64_t ih = oh * s - pt + i, iw = ow * s - pl + j;
                            if (ih >= 0 && ih < H && iw >= 0 && iw < W) m = std::max(m, x.at({n, ih, iw, c}));
                        }
                    y.at({n, oh, ow, c}) = m;
                }
    return y;
}

// A Conv2D with `filters` of size `kernel` and random weights against naive_conv on x.
void check_against_naive(const Tensor& x, int64_t filters, int64_t kernel, int64_t stride, bool same, Rng& rng) {
    Conv2D conv(filters, kernel, stride, same ? "same" : "valid");
    conv.ensure_built(x.shape());
    conv.set_weights({Tensor::uniform({kernel, kernel, x.dim(3), filters}, -1, 1, rng),
                      Tensor::uniform({filters}, -1, 1, rng)});
    const Tensor y = conv(Variable(x)).value();
    INFO("x " << x.shape().str() << " kernel=" << kernel << " stride=" << stride << " same=" << same);
    const Tensor expected = naive_conv(x, conv.kernel().value(), conv.bias().value(), stride, same);
    REQUIRE(y.shape() == expected.shape());
    CHECK(allclose(y, expected, 1e-4f, 1e-5f));
}

// check_against_naive over (2, 7, 8, channels) inputs for every filter count, kernel 2 and 3,
// stride 1 and 2, valid and same.
void check_geometries(std::initializer_list<int64_t> channel_counts, std::initializer_list<int64_t> filter_counts,
                      Rng& rng) {
    for (int64_t channels : channel_counts)
        for (int64_t kernel : {2, 3})
            for (int64_t stride : {1, 2})
                for (bool same : {false, true}) {
                    const Tensor x = Tensor::uniform({2, 7, 8, channels}, -1, 1, rng);
                    for (int64_t filters : filter_counts) check_against_naive(x, filters, kernel, stride, same, rng);
                }
}

}  // namespace

TEST_CASE("Conv2D: matches a direct convolution (valid/same, strides 1/2, odd sizes)", "[layers][conv]") {
    Rng rng(21);
    for (int64_t H : {5, 6, 7})
        for (int64_t kernel : {1, 2, 3})
            for (int64_t stride : {1, 2})
                for (bool same : {false, true}) {
                    const Tensor x = Tensor::uniform({2, H, 9, 3}, -1, 1, rng);
                    check_against_naive(x, 4, kernel, stride, same, rng);
                }
}

// Small patches (KH * KW * C <= 16) take the direct kernel, which works on blocks of 32 filters
// (pairs of interior pixels, single pixels at the borders) and a tail; 40 filters use both.
TEST_CASE("Conv2D: the direct kernel's filter blocks and tail match a direct convolution", "[layers][conv]") {
    Rng rng(23);
    check_geometries({1, 2}, {40}, rng);
}

TEST_CASE("Conv2D: direct kernel gradients for input, kernel and bias, blocks of 32 filters", "[layers][conv]") {
    Conv2D valid(33, 3);
    check_layer(valid, {2, 6, 7, 1}, {.trainable_weights = 2});
    Conv2D same_strided(32, {2, 2}, 2, "same", "tanh");
    check_layer(same_strided, {3, 5, 7, 2}, {.trainable_weights = 2});
}

// Larger patches take the implicit-GEMM kernels: 6-pixel x 16-filter tiles with partial last
// tiles (pixel counts, patch sizes and filter counts that are not multiples of 6 or 16, a 1x1
// kernel over 17 channels), and a zero-padded copy of the input for 'same' and for strides that
// leave input rows unread.
TEST_CASE("Conv2D: the implicit-GEMM kernels match a direct convolution", "[layers][conv]") {
    Rng rng(29);
    check_geometries({3, 5}, {1, 10, 16, 32, 37}, rng);
    check_against_naive(Tensor::uniform({3, 5, 4, 17}, -1, 1, rng), 16, 1, 1, false, rng);
    check_against_naive(Tensor::uniform({3, 5, 4, 17}, -1, 1, rng), 21, 1, 1, false, rng);
}

TEST_CASE("Conv2D: implicit-GEMM gradients for input, kernel and bias", "[layers][conv]") {
    Conv2D valid(16, 3);
    check_layer(valid, {2, 6, 7, 3}, {.trainable_weights = 2});
    Conv2D same_strided(32, {2, 3}, 2, "same", "tanh");
    check_layer(same_strided, {3, 5, 7, 5}, {.trainable_weights = 2});
    Conv2D strided_valid(16, 3, 2);
    check_layer(strided_valid, {2, 8, 6, 4}, {.trainable_weights = 2});
    // Filter counts that leave the last tile partial: fewer than one tile, and one tile and a part.
    Conv2D few(3, 3);
    check_layer(few, {2, 6, 7, 3}, {.trainable_weights = 2});
    Conv2D partial_same(21, {2, 3}, 2, "same");
    check_layer(partial_same, {3, 5, 7, 5}, {.trainable_weights = 2});
}

TEST_CASE("Conv2D: a rectangular kernel and the output shape", "[layers][conv]") {
    Conv2D conv(32, {2, 3});
    conv.ensure_built({Shape::kNone, 28, 28, 1});
    CHECK(conv.output_shape().batch_str() == "(None, 27, 26, 32)");
    CHECK(conv.count_params() == 2 * 3 * 1 * 32 + 32);
    Conv2D strided(8, 3, 2, "same");
    strided.ensure_built({Shape::kNone, 7, 6, 2});
    CHECK(strided.output_shape().batch_str() == "(None, 4, 3, 8)");
}

TEST_CASE("Conv2D: check_layer with gradients for input, kernel and bias", "[layers][conv]") {
    Conv2D valid(3, 3, 1, "valid", "tanh");
    check_layer(valid, {2, 5, 4, 2}, {.trainable_weights = 2});
    Conv2D same_strided(2, {2, 3}, 2, "same");
    check_layer(same_strided, {2, 6, 5, 3}, {.trainable_weights = 2});
}

TEST_CASE("Conv2D: bad input names the layer and the shapes", "[layers][conv]") {
    Conv2D conv(8, 3);
    CHECK_THROWS_WITH(conv(Variable(Tensor::zeros({4, 784}))),
                      "Conv2D 'conv2d': expected input of rank 3 (height, width, channels), got (None, 784)");
    Conv2D big(8, 5);
    CHECK_THROWS_WITH(big(Variable(Tensor::zeros({1, 3, 3, 1}))),
                      Catch::Contains("Conv2D 'conv2d': kernel_size (5, 5) is larger than the input 3x3") &&
                          Catch::Contains("padding='same'"));
    CHECK_THROWS_AS(Conv2D(8, 3, 1, "full"), ValueError);
    CHECK_THROWS_AS(Conv2D(0, 3), ValueError);
}

TEST_CASE("MaxPooling2D: matches a direct loop (valid/same, strides, odd sizes)", "[layers][pool]") {
    Rng rng(5);
    for (int64_t H : {4, 5, 7})
        for (int64_t pool : {2, 3})
            for (int64_t stride : {1, 2})
                for (bool same : {false, true}) {
                    MaxPooling2D p(pool, stride, same ? "same" : "valid");
                    const Tensor x = Tensor::uniform({2, H, 5, 3}, -1, 1, rng);
                    INFO("H=" << H << " pool=" << pool << " stride=" << stride << " same=" << same);
                    const Tensor y = p(Variable(x)).value();
                    CHECK(y.to_vector() == naive_pool(x, pool, stride, same).to_vector());
                    CHECK(y.shape() == p.output_shape().with_batch(2));
                }
}

TEST_CASE("MaxPooling2D: the gradient goes to each window's maximum", "[layers][pool]") {
    MaxPooling2D p;
    Variable x(Tensor::from_data({1, 2, 4, 1}, {1, 5, 2, 0, 3, 4, 8, 7}), true);
    sum(p(x, Mode::Train)).backward();
    CHECK(x.grad().to_vector() == std::vector<float>{0, 1, 0, 0, 0, 0, 1, 0});
    MaxPooling2D q(2, 2, "same");
    check_layer(q, {2, 5, 5, 2}, {});
    CHECK(q.output_shape().batch_str() == "(None, 3, 3, 2)");
    CHECK(json_of(MaxPooling2D().get_config())["strides"] == nlohmann::json{2, 2});
}

TEST_CASE("relu_max_pool2d: max_pool2d(relu(x)) to the bit, values and gradients", "[layers][pool]") {
    const auto check = [](Variable x, uint64_t seed) {
        Rng rng(seed);
        const Shape pooled{x.shape()[0], x.shape()[1] / 2, x.shape()[2] / 2, x.shape()[3]};
        const Tensor dy = Tensor::uniform(pooled, -1, 1, rng);
        const auto fused = test::values_and_grads([&] { return relu_max_pool2d(x); }, {x}, dy);
        const auto unfused = test::values_and_grads([&] { return max_pool2d(relu(x)); }, {x}, dy);
        INFO("shape " << x.shape().str());
        CHECK(test::identical(fused[0], unfused[0]));
        CHECK(test::identical(fused[1], unfused[1]));
    };
    check(test::random_leaf({2, 6, 6, 3}, 41), 50);
    check(test::random_leaf({3, 7, 5, 4}, 42), 51);    // odd sizes: the last row and column are in no window
    check(test::random_leaf({8, 30, 30, 8}, 43), 52);  // threaded passes
    // Windows of all-negative values pool to relu's 0 at their first position and send nothing
    // back; ties among positive values keep the first.
    Tensor ties = Tensor::from_data({1, 2, 4, 1}, {-1, -2, 3, 3, -3, -4, 3, 1});
    check(Variable(ties, true), 53);
    Variable x(ties, true);
    sum(relu_max_pool2d(x)).backward();
    CHECK(x.grad().to_vector() == std::vector<float>{0, 0, 1, 0, 0, 0, 0, 0});
    CHECK_THROWS_AS(relu_max_pool2d(test::random_leaf({2, 1, 4, 3}, 44)), ShapeError);
    // Away from relu's kink (and with distinct values, so no window's maximum is near a tie).
    Variable smooth = test::random_leaf_away_from_zero({2, 4, 6, 3}, 45);
    REQUIRE_GRADCHECK([&] { return relu_max_pool2d(smooth); }, {smooth});
}

namespace {

// A convolution for the fused conv -> relu -> pool tests: input and kernel shapes, strides,
// padding, and what it exercises.
struct ConvPoolCase {
    Shape x, w;
    Size2 strides;
    Padding padding;
    const char* what;
};

}  // namespace

TEST_CASE("conv2d_relu_max_pool2d: relu_max_pool2d(conv2d(...)) to the bit, fused at inference",
          "[layers][pool][conv]") {
    const ConvPoolCase cases[] = {
        {{3, 28, 28, 1}, {3, 3, 1, 32}, 1, Padding::Valid, "W2's conv1: 26 x 26, one block of 32 filters"},
        {{2, 12, 11, 2}, {3, 3, 2, 40}, 1, Padding::Valid, "odd output width, a tail of 8 filters"},
        {{2, 9, 9, 1}, {3, 3, 1, 32}, 2, Padding::Same, "stride 2 over the padding"},
        {{2, 10, 10, 1}, {5, 3, 1, 16}, 1, Padding::Same, "a rectangular kernel, fewer filters than a block"},
        {{2, 8, 8, 3}, {3, 3, 3, 32}, 1, Padding::Valid, "patch 27: no direct kernel, the two ops"},
    };
    uint64_t seed = 60;
    for (const ConvPoolCase& c : cases) {
        INFO(c.what);
        const Variable x = test::random_leaf(c.x, seed++);
        const Variable w = test::random_leaf(c.w, seed++, -0.5f, 0.5f);
        const Variable b = test::random_leaf({c.w[3]}, seed++, -0.3f, 0.3f);
        NoGradGuard no_grad;
        const Tensor fused = conv2d_relu_max_pool2d(x, w, b, c.strides, c.padding).value();
        const Tensor unfused = relu_max_pool2d(conv2d(x, w, b, c.strides, c.padding)).value();
        CHECK(test::identical(fused, unfused));
        // Without a bias.
        CHECK(test::identical(conv2d_relu_max_pool2d(x, w, Variable(), c.strides, c.padding).value(),
                              relu_max_pool2d(conv2d(x, w, Variable(), c.strides, c.padding)).value()));
    }
    // With a graph to record, the two ops' values and gradients (each op's gradient is checked
    // against finite differences above).
    const Variable x = test::random_leaf({2, 6, 6, 1}, 70);
    const Variable w = test::random_leaf({3, 3, 1, 32}, 71, -0.5f, 0.5f);
    const Variable b = test::random_leaf({32}, 72, -0.3f, 0.3f);
    Rng rng(74);
    const Tensor dy = Tensor::uniform({2, 2, 2, 32}, -1, 1, rng);
    const auto fused = test::values_and_grads([&] { return conv2d_relu_max_pool2d(x, w, b); }, {x, w, b}, dy);
    const auto unfused = test::values_and_grads([&] { return relu_max_pool2d(conv2d(x, w, b)); }, {x, w, b}, dy);
    for (size_t i = 0; i < fused.size(); ++i) CHECK(test::identical(fused[i], unfused[i]));
    CHECK_THROWS_AS(conv2d_relu_max_pool2d(test::random_leaf({2, 3, 3, 1}, 73), w, b), ShapeError);
}

TEST_CASE("conv2d_relu_max_pool2d: fused in training where x needs no gradient, the two ops' values and "
          "gradients to the bit",
          "[layers][pool][conv]") {
    // The fused backward computes dW and db from the pooled gradient and the argmax alone; it must
    // give what relu_max_pool2d's backward and then conv2d's would (each checked against finite
    // differences above), on 1 and 2 threads (whose dW partial sums differ, the same for both).
    const ConvPoolCase cases[] = {
        {{4, 28, 28, 1}, {3, 3, 1, 32}, 1, Padding::Valid, "W2's conv1"},
        {{3, 13, 11, 1}, {3, 3, 1, 16}, 1, Padding::Valid, "odd output height and width: a row and column no window takes"},
        {{2, 9, 10, 1}, {3, 3, 1, 48}, 1, Padding::Same, "same padding, three vectors of filters"},
        {{2, 12, 11, 2}, {2, 2, 2, 40}, 1, Padding::Valid, "two channels under a 2x2 kernel, a tail of 8 filters"},
        {{2, 9, 9, 1}, {3, 3, 1, 33}, 2, Padding::Same, "stride 2 over the padding"},
    };
    const int saved = num_threads();
    uint64_t seed = 80;
    for (const int threads : {1, 2})
        for (const ConvPoolCase& c : cases) {
            INFO(c.what << ", " << threads << " thread(s)");
            set_num_threads(threads);
            Rng rng(seed++);
            const Variable x(Tensor::uniform(c.x, -1, 1, rng), false);
            const Variable w = test::random_leaf(c.w, seed++, -0.5f, 0.5f);
            const Variable b = test::random_leaf({c.w[3]}, seed++, -0.3f, 0.3f);
            const Shape pooled = relu_max_pool2d(conv2d(x, w, b, c.strides, c.padding)).shape();
            const Tensor dy = Tensor::uniform(pooled, -1, 1, rng);
            const auto fused = test::values_and_grads(
                [&] { return conv2d_relu_max_pool2d(x, w, b, c.strides, c.padding); }, {w, b}, dy);
            const auto unfused = test::values_and_grads(
                [&] { return relu_max_pool2d(conv2d(x, w, b, c.strides, c.padding)); }, {w, b}, dy);
            for (size_t i = 0; i < fused.size(); ++i) CHECK(test::identical(fused[i], unfused[i]));
            // The fused op is the one recorded; without a bias, the kernel's gradient alone.
            CHECK(conv2d_relu_max_pool2d(x, w, b, c.strides, c.padding).node()->name() == "conv2d_relu_max_pool2d");
            const auto fused_nb = test::values_and_grads(
                [&] { return conv2d_relu_max_pool2d(x, w, Variable(), c.strides, c.padding); }, {w}, dy);
            const auto unfused_nb = test::values_and_grads(
                [&] { return relu_max_pool2d(conv2d(x, w, Variable(), c.strides, c.padding)); }, {w}, dy);
            for (size_t i = 0; i < fused_nb.size(); ++i) CHECK(test::identical(fused_nb[i], unfused_nb[i]));
        }
    set_num_threads(saved);
    // Where x needs a gradient, the two ops are recorded.
    const Variable x = test::random_leaf({2, 6, 6, 1}, 90);
    const Variable w = test::random_leaf({3, 3, 1, 32}, 91);
    CHECK(conv2d_relu_max_pool2d(x, w, Variable()).node()->name() == "relu_max_pool2d");
}
