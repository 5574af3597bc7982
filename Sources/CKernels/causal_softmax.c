#include "ckernels.h"
#include "exp_core.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

// Attention's softmax a block of query rows at a time, in 16-lane vectors throughout: row r of a block
// sees its first `first + r` keys, a count that is rarely a whole number of vectors, and the per-row
// kernel spent much of its time in scalar tails (SmolLM2: 17 ms of a window's 75 ms of attention).
// The partial vector at a row's end is masked instead; the exponential is kernels.c's, lane-wise
// (`exp_core.h`), with the same clamping and NaN propagation. Only an AVX-512
// build of it exists (16-float vectors cannot be passed around without it); elsewhere each row goes
// through ck_softmax.

// Every function from here to the pop, helpers included, is built for AVX-512 only.
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))), apply_to = function)

#include "lane_math.h"

static void causal_avx512(float *scores, ptrdiff_t rows, ptrdiff_t width, ptrdiff_t ld, ptrdiff_t first, float *inverse_sums) {
    const i32x16 lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    for (ptrdiff_t r = 0; r < rows; r++) {
        float *x = scores + r * ld;
        ptrdiff_t n = first + r, full = n / 16 * 16, rem = n - full;
        // The masked last vector needs 16 readable entries; a row narrower than that ends in scalars.
        int masked = rem > 0 && full + 16 <= width;
        ptrdiff_t end = masked ? full + 16 : full;
        i32x16 inside = lane < (int32_t)rem;

        f32x16 mv = splat(-INFINITY);
        for (ptrdiff_t i = 0; i < full; i += 16) mv = __builtin_elementwise_max(mv, load16(x + i));
        if (masked) mv = __builtin_elementwise_max(mv, select16(inside, load16(x + full), splat(-INFINITY)));
        float m = horizontal_max(mv);
        for (ptrdiff_t i = end; i < n; i++) m = x[i] > m ? x[i] : m;

        f32x16 sv = splat(0);
        for (ptrdiff_t i = 0; i < full; i += 16) {
            f32x16 e = exp16(load16(x + i) - m);
            store16(x + i, e);
            sv += e;
        }
        if (masked) {
            f32x16 e = select16(inside, exp16(load16(x + full) - m), splat(0));
            store16(x + full, e);
            sv += e;
        }
        float s = horizontal_sum(sv);
        for (ptrdiff_t i = end; i < n; i++) {
            float e = exp16(splat(x[i] - m))[0];
            x[i] = e;
            s += e;
        }

        if (inverse_sums) {
            inverse_sums[r] = 1.0f / s;
        } else {
            f32x16 inv = splat(1.0f / s);
            for (ptrdiff_t i = 0; i < end; i += 16) store16(x + i, load16(x + i) * inv);
            for (ptrdiff_t i = end; i < n; i++) x[i] *= inv[0];
        }
        for (ptrdiff_t i = n > end ? n : end; i < width; i++) x[i] = 0;
    }
}

#pragma clang attribute pop

void ck_softmax_causal(float *scores, ptrdiff_t rows, ptrdiff_t width, ptrdiff_t ld, ptrdiff_t first, float *inverse_sums) {
    if (ck_has_avx512()) {
        causal_avx512(scores, rows, width, ld, first, inverse_sums);
        return;
    }
    for (ptrdiff_t r = 0; r < rows; r++) {
        float *x = scores + r * ld;
        ptrdiff_t n = first + r;
        ck_softmax(x, n);
        memset(x + n, 0, (size_t)(width - n) * sizeof(float));
        if (inverse_sums) inverse_sums[r] = 1;
    }
}
