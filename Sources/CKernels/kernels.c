#include "ckernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "exp_core.h"
#include "target_clones.h"

// Reductions may be reordered (partial sums per vector lane); nothing else is relaxed.
#define REASSOCIATE _Pragma("clang fp reassociate(on)")

EXP_CORE(float)

static inline float exp_inline(float x) {
    float v = x < -87.33654f ? -87.33654f : (x > 88.72283f ? 88.72283f : x);
    float t;
    float p = exp_core_float(v, &t);
    // t's bits are 0x4B400000 + n; (bits + 127) << 23 keeps exactly (n + 127) << 23, the bits of 2^n.
    uint32_t bits;
    memcpy(&bits, &t, 4);
    bits = (bits + 127u) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return p * scale;
}

float ck_exp(float x) { return exp_inline(x); }

HOT void ck_exp_array(const float *x, float *out, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) out[i] = exp_inline(x[i]);
}

typedef float f32x16 __attribute__((vector_size(64)));

// Sixteen running maxima, one per lane: a select on one running maximum is a serial chain (and NaN
// semantics keep the compiler from splitting it), which made this the forward pass's hottest kernel.
// A NaN is ignored by the lane maxima as by the scalar tail, as the select below ignores it.
HOT static float max_of(const float *x, ptrdiff_t n) {
    f32x16 lanes = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY,
                    -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16) {
        f32x16 v;
        memcpy(&v, x + i, sizeof v);
        lanes = __builtin_elementwise_max(lanes, v);
    }
    float m = -INFINITY;
    for (int j = 0; j < 16; j++) m = lanes[j] > m ? lanes[j] : m;
    for (; i < n; i++) m = x[i] > m ? x[i] : m;
    return m;
}

HOT static float sum_exp_shifted(const float *x, ptrdiff_t n, float shift) {
    REASSOCIATE
    float s = 0;
    for (ptrdiff_t i = 0; i < n; i++) s += exp_inline(x[i] - shift);
    return s;
}

// Float sums within blocks of 1,024 values, double across them.
static double blocked_sum_exp(const float *x, ptrdiff_t n, float shift) {
    double total = 0;
    for (ptrdiff_t i = 0; i < n; i += 1024) {
        ptrdiff_t len = n - i < 1024 ? n - i : 1024;
        total += sum_exp_shifted(x + i, len, shift);
    }
    return total;
}

double ck_sum_exp_shifted(const float *x, ptrdiff_t n, float shift, float *max) {
    *max = max_of(x, n);
    return blocked_sum_exp(x, n, shift);
}

double ck_sum_exp_below_max(const float *x, ptrdiff_t n, float *max) {
    *max = max_of(x, n);
    return blocked_sum_exp(x, n, *max);
}

HOT void ck_softmax(float *x, ptrdiff_t n) {
    REASSOCIATE
    float m = max_of(x, n), s = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        float e = exp_inline(x[i] - m);
        x[i] = e;
        s += e;
    }
    float inv = 1.0f / s;
    for (ptrdiff_t i = 0; i < n; i++) x[i] *= inv;
}

HOT void ck_swiglu(float *gate, const float *up, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) {
        float g = gate[i];
        gate[i] = g / (1.0f + exp_inline(-g)) * up[i];
    }
}

HOT float ck_sum_squares(const float *x, ptrdiff_t n) {
    REASSOCIATE
    float s = 0;
    for (ptrdiff_t i = 0; i < n; i++) s += x[i] * x[i];
    return s;
}

HOT void ck_rmsnorm(const float *x, const float *w, float eps, ptrdiff_t n, float *out) {
    float scale = 1.0f / sqrtf(ck_sum_squares(x, n) / (float)n + eps);
    for (ptrdiff_t i = 0; i < n; i++) out[i] = x[i] * scale * w[i];
}

HOT void ck_column_squares(const float *x, ptrdiff_t rows, ptrdiff_t cols, ptrdiff_t ld, double *acc) {
    float partial[cols > 0 ? cols : 1];
    for (ptrdiff_t r0 = 0; r0 < rows; r0 += 64) {
        ptrdiff_t r1 = rows - r0 < 64 ? rows : r0 + 64;
        for (ptrdiff_t j = 0; j < cols; j++) partial[j] = 0;
        for (ptrdiff_t r = r0; r < r1; r++) {
            const float *row = x + r * ld;
            for (ptrdiff_t j = 0; j < cols; j++) partial[j] += row[j] * row[j];
        }
        for (ptrdiff_t j = 0; j < cols; j++) acc[j] += (double)partial[j];
    }
}

HOT void ck_add_widened(double *y, const float *x, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) y[i] += (double)x[i];
}

HOT void ck_add(float *y, const float *x, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) y[i] += x[i];
}

HOT void ck_softmax_two_ranges(float *x, ptrdiff_t n, ptrdiff_t a0, ptrdiff_t a1, ptrdiff_t b0, ptrdiff_t b1) {
    REASSOCIATE
    float m = -INFINITY, s = 0;
    for (ptrdiff_t i = a0; i < a1; i++) m = x[i] > m ? x[i] : m;
    for (ptrdiff_t i = b0; i < b1; i++) m = x[i] > m ? x[i] : m;
    for (ptrdiff_t i = 0; i < a0; i++) x[i] = 0;
    for (ptrdiff_t i = a0; i < a1; i++) { float e = exp_inline(x[i] - m); x[i] = e; s += e; }
    for (ptrdiff_t i = a1; i < b0; i++) x[i] = 0;
    for (ptrdiff_t i = b0; i < b1; i++) { float e = exp_inline(x[i] - m); x[i] = e; s += e; }
    for (ptrdiff_t i = b1; i < n; i++) x[i] = 0;
    float inv = 1.0f / s;
    for (ptrdiff_t i = a0; i < a1; i++) x[i] *= inv;
    for (ptrdiff_t i = b0; i < b1; i++) x[i] *= inv;
}
