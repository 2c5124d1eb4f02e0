// Implicit-GEMM convolution for larger patches (W2's conv2, 3x3x32): the three products of a
// convolution in register tiles (kernels/register_tile.hpp) that read the input and the gradients
// where they lie. No im2col matrix is written, packed or read back (for conv2 it is 4.4 MB, and
// OpenBLAS packed it once more for each of two products), so this beats im2col + OpenBLAS with a
// kernel of the same speed.
#include <algorithm>
#include <vector>

#include "kernels/conv2d.hpp"
#include "kernels/register_tile.hpp"
#include "minnow/core/parallel.hpp"
#include "minnow/tensor/tensor.hpp"
#include "kernels/isa.hpp"

MINNOW_KERNELS_BEGIN

namespace {

using namespace tile;
static_assert(kCols == kImplicitTileColumns, "conv2d.hpp's tile width is the register tile's");
// Pixels per pass of the dW product: their windows and gradient rows stay in L1 across its tiles.
constexpr int64_t kDwPixels = 64;

// Where the windows of output pixels m0 .. m0 + count - 1 start in x (the geometry has no
// padding), stepping through (n, oh, ow) without divisions.
void window_starts(const ConvGeometry& g, int64_t m0, int64_t count, int64_t* start) {
    const int64_t pixels = g.OH * g.OW;
    int64_t n = m0 / pixels, oh = m0 % pixels / g.OW, ow = m0 % g.OW;
    for (int64_t i = 0; i < count; ++i) {
        start[i] = ((n * g.H + oh * g.stride_h) * g.W + ow * g.stride_w) * g.C;
        if (++ow == g.OW) ow = 0, ++oh;
        if (oh == g.OH) oh = 0, ++n;
    }
}

// Where each patch row j (tap kh * KW + kw, channel c) sits in a window: each kernel row of the
// window is one contiguous run of KW * C floats.
std::vector<int64_t> patch_offsets(const ConvGeometry& g) {
    std::vector<int64_t> offset(static_cast<size_t>(g.patch()));
    for (int64_t j = 0; j < g.patch(); ++j) {
        const int64_t tap = j / g.C;
        offset[static_cast<size_t>(j)] = ((tap / g.KW) * g.W + tap % g.KW) * g.C + j % g.C;
    }
    return offset;
}

int64_t panel_count(int64_t cols) { return (cols + kCols - 1) / kCols; }

// How many of panel j's kCols columns lie in a matrix of `cols` columns.
int panel_width(int64_t j, int64_t cols) { return static_cast<int>(std::min<int64_t>(kCols, cols - j * kCols)); }

// Columns [kCols p, kCols (p + 1)) of a rows x cols matrix as panel p of `rows` rows of kCols, for the
// panels from `first` on; with `transpose`, of its transpose. Columns past the end are zero.
Tensor pack_panels(const float* m, int64_t rows, int64_t cols, bool transpose, int64_t first = 0) {
    const int64_t panels = panel_count(cols);
    Tensor packed({(panels - first) * rows * kCols});
    float* out = packed.data();
    for (int64_t p = first; p < panels; ++p) {
        const int width = panel_width(p, cols);
        for (int64_t i = 0; i < rows; ++i, out += kCols) {
            // Without a transpose a panel row is a run of the matrix row, copied as one: packing runs
            // on one thread at every call while the others wait.
            if (!transpose)
                std::copy_n(m + i * cols + p * kCols, width, out);
            else
                for (int c = 0; c < width; ++c) out[c] = m[(p * kCols + c) * rows + i];
            std::fill(out + width, out + kCols, 0.0f);
        }
    }
    return packed;
}

// Convolutions whose windows reach past the input (padding 'same', or a window the last stride
// leaves partial) run on a zero-padded copy, so every kernel below reads whole windows.
bool needs_padding(const ConvGeometry& g) {
    return g.pad_top != 0 || g.pad_left != 0 || (g.OH - 1) * g.stride_h + g.KH > g.H ||
           (g.OW - 1) * g.stride_w + g.KW > g.W;
}

ConvGeometry padded_geometry(const ConvGeometry& g) {
    ConvGeometry p = g;
    p.H = (g.OH - 1) * g.stride_h + g.KH;
    p.W = (g.OW - 1) * g.stride_w + g.KW;
    p.pad_top = p.pad_left = 0;
    return p;
}

// Calls fn(offset in x, offset in the padded copy, floats) for each input row's part that lies in
// the padded geometry p (a 'valid' geometry may leave the last rows and columns unread).
template <class Fn>
void for_rows_in_padded(const ConvGeometry& g, const ConvGeometry& p, Fn&& fn) {
    const int64_t floats = std::min(g.W, p.W - g.pad_left) * g.C;
    for (int64_t n = 0; n < g.N; ++n)
        for (int64_t ih = 0; ih < g.H && ih + g.pad_top < p.H; ++ih)
            fn((n * g.H + ih) * g.W * g.C, ((n * p.H + ih + g.pad_top) * p.W + g.pad_left) * p.C, floats);
}

// x copied into the padded geometry p, zeros where g's padding is.
Tensor pad_input(const float* x, const ConvGeometry& g, const ConvGeometry& p) {
    Tensor padded = Tensor::zeros({p.N, p.H, p.W, p.C});
    for_rows_in_padded(g, p, [&](int64_t from, int64_t to, int64_t floats) {
        std::copy(x + from, x + from + floats, padded.data() + to);
    });
    return padded;
}

// dx (+)= the part of the padded gradient dxp that lies over x.
void crop_into(const float* dxp, const ConvGeometry& g, const ConvGeometry& p, float* dx, bool assign) {
    if (assign) std::fill(dx, dx + g.N * g.H * g.W * g.C, 0.0f);
    for_rows_in_padded(g, p, [&](int64_t to, int64_t from, int64_t floats) {
        for (int64_t i = 0; i < floats; ++i) dx[to + i] += dxp[from + i];
    });
}

// The tile's values through relu_value.
MINNOW_KERNEL_INLINE void relu(Tile& t) {
    for (int r = 0; r < kRows; ++r)
        for (vw& v : t.c[r]) v = relu_lanes(v);
}

// With `apply_relu`, the ReLU as the tiles are stored: the product's output is not read again.
void forward_valid(const float* x, const float* w, const float* b, const ConvGeometry& g, float* y, bool apply_relu) {
    const int64_t P = g.patch(), M = g.rows(), K = g.K, run = g.KW * g.C, row = g.W * g.C;
    // With whole panels only, W is read where it lies, each panel's rows K apart (a Dense layer's
    // 784 x 128 at inference: the packing ran on one thread while the other waited); else packed,
    // so a partial last panel reads zeros past the last filter.
    const bool in_place = K % kCols == 0;
    const Tensor panels = in_place ? Tensor() : pack_panels(w, P, K, false);
    const int64_t panel_stride = in_place ? K : kCols;
    // The bias in panels too, so a partial last panel starts from zeros past the last filter.
    const Tensor bias = b != nullptr ? pack_panels(b, 1, K, false) : Tensor::zeros({panel_count(K) * kCols});
    parallel_for((M + kRows - 1) / kRows, 8, [&](int64_t begin, int64_t end) {
        float spare[kRows][kCols];
        for (int64_t block = begin; block < end; ++block) {
            const int rows = static_cast<int>(std::min<int64_t>(kRows, M - block * kRows));
            int64_t start[kRows];
            window_starts(g, block * kRows, rows, start);
            const float* window[kRows];
            float* out[kRows];
            for (int r = 0; r < kRows; ++r) {
                window[r] = x + start[std::min(r, rows - 1)];  // rows past M compute a copy
                out[r] = r < rows ? y + (block * kRows + r) * K : nullptr;
            }
            for (int64_t j = 0; j < panel_count(K); ++j) {
                Tile t;
                fill(t, bias.data() + j * kCols);
                const float* panel = in_place ? w + j * kCols : panels.data() + j * P * kCols;
                for (int64_t kh = 0; kh < g.KH; ++kh)
                    accumulate(t, run, panel + kh * run * panel_stride, panel_stride,
                               [&](int64_t i, int r) { return window[r][kh * row + i]; });
                if (apply_relu) relu(t);
                float* dest[kRows];
                for (int r = 0; r < kRows; ++r) dest[r] = out[r] != nullptr ? out[r] + j * kCols : spare[r];
                store(t, dest, panel_width(j, K));
            }
        }
    });
}

// dw (+)= sum over pixels m of window(m)^T dy[m] over pixels [m_begin, m_end): tiles of 6 patch
// rows x kCols filters, each summing the pixels in order, a pass of kDwPixels at a time.
void dw_pixels(const float* x, const float* dy, const ConvGeometry& g, const std::vector<int64_t>& offset,
               const Tensor& dy_tail, int64_t m_begin, int64_t m_end, float* dw, bool assign) {
    const int64_t P = g.patch(), K = g.K, row_blocks = (P + kRows - 1) / kRows, whole = K / kCols;
    int64_t start[kDwPixels];
    float spare[kRows][kCols] = {};
    for (int64_t m0 = m_begin; m0 < m_end; m0 += kDwPixels) {
        const int64_t count = std::min(kDwPixels, m_end - m0);
        window_starts(g, m0, count, start);
        for (int64_t tile = 0; tile < row_blocks * panel_count(K); ++tile) {
            const int64_t j = tile / row_blocks, first = tile % row_blocks * kRows;
            const float* xr[kRows];
            float* out[kRows];
            for (int r = 0; r < kRows; ++r) {
                const int64_t pr = first + r;
                xr[r] = x + offset[static_cast<size_t>(std::min(pr, P - 1))];
                out[r] = pr < P ? dw + pr * K + j * kCols : spare[r];
            }
            const int width = panel_width(j, K);
            const float* grad = j < whole ? dy + m0 * K + j * kCols : dy_tail.data() + m0 * kCols;
            Tile t;
            if (m0 > m_begin || !assign) load(t, out, width);
            else zero(t);
            accumulate(t, count, grad, j < whole ? K : kCols, [&](int64_t i, int r) { return xr[r][start[i]]; });
            store(t, out, width);
        }
    }
}

// dw (+)= sum over pixels of window(m)^T dy[m]. Threads split the pixels, each summing its share
// into a dW of its own, added in thread order: each thread reads the rows of x and dy the kernels
// before it wrote on the same thread (splitting the filters instead made both threads read all of
// x and half of every dy row, much of it from the other core's cache). The result is the same at
// a given thread count; across counts the partial sums differ in the last bits, as a product's do
// (docs/design.md).
void dw_valid(const float* x, const float* dy, const ConvGeometry& g, float* dw, bool assign) {
    const int64_t P = g.patch(), M = g.rows(), K = g.K;
    const std::vector<int64_t> offset = patch_offsets(g);
    // A partial last panel reads dy's last columns from a copy padded to kCols, not past dy's rows.
    const Tensor dy_tail = K / kCols < panel_count(K) ? pack_panels(dy, M, K, false, K / kCols) : Tensor();
    const int64_t passes = (M + kDwPixels - 1) / kDwPixels;
    // At least 8 passes (512 pixels) a thread, so a small batch does not pay for the extra sums.
    const int64_t ranges = parallel_ranges(passes, 8);
    std::vector<Tensor> partial(static_cast<size_t>(std::max<int64_t>(ranges - 1, 0)));
    parallel_for_ranges(passes, 8, [&](int64_t r, int64_t begin, int64_t end) {
        float* into = dw;
        if (r > 0) {
            partial[static_cast<size_t>(r - 1)] = Tensor({P * K});
            into = partial[static_cast<size_t>(r - 1)].data();
        }
        dw_pixels(x, dy, g, offset, dy_tail, begin * kDwPixels, std::min(M, end * kDwPixels), into, r == 0 ? assign : true);
    });
    for (const Tensor& part : partial) {
        if (!part.defined()) continue;  // a range with no pixels (not with the grain above)
        const float* p = part.data();
        for (int64_t i = 0; i < P * K; ++i) dw[i] += p[i];
    }
}

// Adds tile t (pixels with windows at start[0 .. rows - 1], patch rows [first, first + kCols)) into dx.
// offset[j] is patch row j's place in a window: kCols patch rows in one kernel row are neighbours.
void add_tile(const Tile& t, const int64_t* start, int rows, int64_t first, const std::vector<int64_t>& offset,
              float* dx) {
    const int64_t P = static_cast<int64_t>(offset.size());
    if (first + kCols <= P && offset[first + kCols - 1] - offset[first] == kCols - 1) {
        float* dest[kRows];
        float spare[kCols];
        for (int r = 0; r < kRows; ++r) dest[r] = r < rows ? dx + start[r] + offset[first] : spare;
        add_into(t, dest);
        return;
    }
    for (int r = 0; r < rows; ++r) {
        float values[kCols];
        storew(values, t.c[r][0]), storew(values + kHalf, t.c[r][1]);
        for (int64_t c = 0; c < kCols && first + c < P; ++c) dx[start[r] + offset[first + c]] += values[c];
    }
}

// dx (+)= dy W^T added back under each window: tiles of 6 pixels x kCols patch rows over the K
// filters. Threads split the images, each owning its part of dx.
void dx_valid(const float* w, const float* dy, const ConvGeometry& g, float* dx, bool assign) {
    const int64_t P = g.patch(), K = g.K, pixels = g.OH * g.OW, image = g.H * g.W * g.C;
    const Tensor panels = pack_panels(w, K, P, true);
    const std::vector<int64_t> offset = patch_offsets(g);
    parallel_for(g.N, 1, [&](int64_t n_begin, int64_t n_end) {
        for (int64_t n = n_begin; n < n_end; ++n) {
            if (assign) std::fill(dx + n * image, dx + (n + 1) * image, 0.0f);
            for (int64_t p0 = 0; p0 < pixels; p0 += kRows) {
                const int rows = static_cast<int>(std::min<int64_t>(kRows, pixels - p0));
                int64_t start[kRows];
                window_starts(g, n * pixels + p0, rows, start);
                const float* grad[kRows];
                for (int r = 0; r < kRows; ++r) grad[r] = dy + (n * pixels + p0 + std::min(r, rows - 1)) * K;
                for (int64_t j = 0; j * kCols < P; ++j) {
                    Tile t;
                    zero(t);
                    accumulate(t, K, panels.data() + j * K * kCols, kCols,
                               [&](int64_t i, int r) { return grad[r][i]; });
                    add_tile(t, start, rows, j * kCols, offset, dx);
                }
            }
        }
    });
}

}  // namespace

MINNOW_KERNEL_VARIANT(use_implicit)
bool use_implicit(const ConvGeometry& g) {
    MINNOW_DISPATCH(use_implicit, g);
#if MINNOW_KERNEL_HAS_AVX2
    return !use_direct(g);
#else
    // Without AVX2 a tile's 12 accumulators take 24 SSE registers and spill: OpenBLAS is faster.
    (void)g;
    return false;
#endif
}

namespace {

void run_forward(const float* x, const float* w, const float* b, const ConvGeometry& g, float* y, bool apply_relu) {
    if (!needs_padding(g)) return forward_valid(x, w, b, g, y, apply_relu);
    const ConvGeometry p = padded_geometry(g);
    const Tensor padded = pad_input(x, g, p);
    forward_valid(padded.data(), w, b, p, y, apply_relu);
}

}  // namespace

MINNOW_KERNEL_VARIANT(conv2d_implicit_forward)
void conv2d_implicit_forward(const float* x, const float* w, const float* b, const ConvGeometry& g, float* y) {
    MINNOW_DISPATCH(conv2d_implicit_forward, x, w, b, g, y);
    run_forward(x, w, b, g, y, false);
}

MINNOW_KERNEL_VARIANT(conv2d_implicit_relu_forward)
void conv2d_implicit_relu_forward(const float* x, const float* w, const float* b, const ConvGeometry& g, float* y) {
    MINNOW_DISPATCH(conv2d_implicit_relu_forward, x, w, b, g, y);
    run_forward(x, w, b, g, y, true);
}

MINNOW_KERNEL_VARIANT(conv2d_implicit_backward)
void conv2d_implicit_backward(const float* x, const float* w, const float* dy, const ConvGeometry& g,
                              const ConvGrads& out) {
    MINNOW_DISPATCH(conv2d_implicit_backward, x, w, dy, g, out);
    if (out.db != nullptr) add_bias_gradient(dy, g.rows(), g.K, out.db);
    if (!needs_padding(g)) {
        if (out.dw != nullptr) dw_valid(x, dy, g, out.dw, out.assign_dw);
        if (out.dx != nullptr) dx_valid(w, dy, g, out.dx, out.assign_dx);
        return;
    }
    const ConvGeometry p = padded_geometry(g);
    if (out.dw != nullptr) dw_valid(pad_input(x, g, p).data(), dy, p, out.dw, out.assign_dw);
    if (out.dx != nullptr) {
        Tensor padded_dx({p.N, p.H, p.W, p.C});
        dx_valid(w, dy, p, padded_dx.data(), true);
        crop_into(padded_dx.data(), g, p, out.dx, out.assign_dx);
    }
}

MINNOW_KERNELS_END
