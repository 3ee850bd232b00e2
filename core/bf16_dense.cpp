#include "bf16_dense.h"

#include "align_error.h"

#include <ATen/Parallel.h>
#include <c10/util/BFloat16.h>

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define PHOTOSEARCH_BF16_AVX2 1
#endif

namespace photosearch {

namespace {

constexpr int64_t kPanel = 16;  // outputs per panel: two AVX2 registers of float32
constexpr int kMaxRows = 6;     // rows per pass: 12 accumulators, 2 weight registers and a broadcast
// How far ahead of the products a panel is fetched into the cache, in inputs (of 32 bytes each): 8 KB. The
// hardware prefetcher alone left the kernel waiting on memory (BERT-base, 10 rows, 2 threads: 18.4 ms
// without, 13.7 ms with; 64 inputs ahead gave 13.7 ms too, 16 gave 16.8 ms).
constexpr int64_t kPrefetchAhead = 256;

// Where a panel's 16 bfloat16 values of one input go so that interleaving them with zeros gives outputs 0-7
// (the low halves of both 128-bit lanes) and 8-15 (the high halves): slot -> output within the panel.
constexpr int kSlotOutput[kPanel] = {0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15};

#ifdef PHOTOSEARCH_BF16_AVX2
// `rows` (1..6) rows of src times one panel into tile[rows][16]. The accumulators are named variables, not an
// array: GCC keeps an array of vectors in memory and stores it at every step.
template <int Rows>
__attribute__((target("avx2,fma"))) void panelProduct(const float* src, int64_t in, const uint16_t* panel,
                                                      float* tile) {
    static_assert(Rows >= 1 && Rows <= kMaxRows);
    __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00,
           a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
    const __m256i zero = _mm256_setzero_si256();
    const float* x0 = src;
    const float* x1 = x0 + in;
    const float* x2 = x1 + in;
    const float* x3 = x2 + in;
    const float* x4 = x3 + in;
    const float* x5 = x4 + in;
#pragma GCC unroll 4
    for (int64_t k = 0; k < in; ++k) {
        // One 64-byte line holds two inputs; a prefetch past the weights' end is dropped, never a fault.
        if ((k & 1) == 0)
            _mm_prefetch(
                reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(panel) +
                                              static_cast<uintptr_t>((k + kPrefetchAhead) * kPanel * 2)),
                _MM_HINT_T0);
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(panel + k * kPanel));
        // A bfloat16 is the high half of its float32: interleaving with zeros widens it exactly.
        const __m256 w0 = _mm256_castsi256_ps(_mm256_unpacklo_epi16(zero, v));
        const __m256 w1 = _mm256_castsi256_ps(_mm256_unpackhi_epi16(zero, v));
#define PHOTOSEARCH_ROW(i)                              \
    if constexpr (Rows > i) {                           \
        const __m256 b = _mm256_broadcast_ss(x##i + k); \
        a##i##0 = _mm256_fmadd_ps(b, w0, a##i##0);      \
        a##i##1 = _mm256_fmadd_ps(b, w1, a##i##1);      \
    }
        PHOTOSEARCH_ROW(0)
        PHOTOSEARCH_ROW(1)
        PHOTOSEARCH_ROW(2)
        PHOTOSEARCH_ROW(3)
        PHOTOSEARCH_ROW(4)
        PHOTOSEARCH_ROW(5)
#undef PHOTOSEARCH_ROW
    }
#define PHOTOSEARCH_STORE(i)                              \
    if constexpr (Rows > i) {                             \
        _mm256_storeu_ps(tile + i * kPanel, a##i##0);     \
        _mm256_storeu_ps(tile + i * kPanel + 8, a##i##1); \
    }
    PHOTOSEARCH_STORE(0)
    PHOTOSEARCH_STORE(1)
    PHOTOSEARCH_STORE(2)
    PHOTOSEARCH_STORE(3)
    PHOTOSEARCH_STORE(4)
    PHOTOSEARCH_STORE(5)
#undef PHOTOSEARCH_STORE
}

void panelProductOf(int rows, const float* src, int64_t in, const uint16_t* panel, float* tile) {
    switch (rows) {
        case 1:
            return panelProduct<1>(src, in, panel, tile);
        case 2:
            return panelProduct<2>(src, in, panel, tile);
        case 3:
            return panelProduct<3>(src, in, panel, tile);
        case 4:
            return panelProduct<4>(src, in, panel, tile);
        case 5:
            return panelProduct<5>(src, in, panel, tile);
        default:
            return panelProduct<6>(src, in, panel, tile);
    }
}
#endif

}  // namespace

bool Bf16Dense::cpuSupported() {
#ifdef PHOTOSEARCH_BF16_AVX2
    // Both compilers' checks include the operating system's support for the AVX registers.
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}

Bf16Dense::Bf16Dense(const float* weight, int64_t out, int64_t in)
    : in_(in), out_(out), panels_((out + kPanel - 1) / kPanel) {
    if (out <= 0 || in <= 0) throw AlignError("bfloat16 dense layer: empty weight");
    packed_.assign(static_cast<size_t>(panels_ * in * kPanel), 0);  // a last partial panel is zero-padded
    // Written in order, read from 16 rows at once; panels in parallel (part of the model's load).
    at::parallel_for(0, panels_, 1, [&](int64_t begin, int64_t end) {
        for (int64_t p = begin; p < end; ++p) {
            uint16_t* dst = packed_.data() + p * in * kPanel;
            for (int64_t k = 0; k < in; ++k, dst += kPanel)
                for (int64_t slot = 0; slot < kPanel; ++slot)
                    if (const int64_t o = p * kPanel + kSlotOutput[slot]; o < out)
                        dst[slot] = c10::BFloat16(weight[o * in + k]).x;
        }
    });
}

void Bf16Dense::apply(const float* src, int64_t rows, const float* bias, float* dst, bool accumulate) const {
#ifdef PHOTOSEARCH_BF16_AVX2
    if (!cpuSupported()) throw AlignError("bfloat16 dense layer: this CPU has no AVX2 with FMA");
    if (rows <= 0 || empty()) return;
    // Rows in passes of at most 6, as even as they come (8 -> 4 + 4, not 6 + 2).
    const int64_t passes = (rows + kMaxRows - 1) / kMaxRows;
    at::parallel_for(0, panels_, 1, [&](int64_t begin, int64_t end) {
        float tile[kMaxRows * kPanel];
        for (int64_t p = begin; p < end; ++p) {
            const uint16_t* panel = packed_.data() + p * in_ * kPanel;
            const int64_t first = p * kPanel, width = std::min(kPanel, out_ - first);
            int64_t r = 0;
            for (int64_t pass = 0; pass < passes; ++pass) {
                const auto n = static_cast<int>((rows - r) / (passes - pass));
                panelProductOf(n, src + r * in_, in_, panel, tile);
                for (int i = 0; i < n; ++i) {
                    float* d = dst + (r + i) * out_ + first;
                    for (int64_t o = 0; o < width; ++o) {
                        const float v = bias ? bias[first + o] + tile[i * kPanel + o] : tile[i * kPanel + o];
                        d[o] = accumulate ? d[o] + v : v;
                    }
                }
                r += n;
            }
        }
    });
#else
    (void)src, (void)rows, (void)bias, (void)dst, (void)accumulate;
    throw AlignError("bfloat16 dense layer: built without the x86 kernel");
#endif
}

}  // namespace photosearch
