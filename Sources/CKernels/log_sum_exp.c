#include "ckernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

// One pass over a row of logits for the LM head's running log-sum-exp: Σ exp(x_i − shift) for a shift
// the caller already has (the row's maximum over earlier vocabulary tiles) and, in the same pass, the
// row's maximum, which tells the caller whether the shift was safe. The two-pass form (maximum, then
// the sum below it) read each 8 MB tile of logits from L3 twice; here the loads overlap the
// exponentials. AVX-512 only (16-lane exponential of lane_math.h); elsewhere the two passes of kernels.c.

#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))), apply_to = function)

#include "lane_math.h"

static double sum_exp_max_avx512(const float *x, ptrdiff_t n, float shift, float *max) {
    f32x16 peak = splat(-INFINITY), s = splat(shift);
    double total = 0;
    ptrdiff_t i = 0;
    // Float sums within blocks of 1,024 entries, double across them, as ck_sum_exp_below_max.
    while (i + 16 <= n) {
        ptrdiff_t end = n - i < 1024 ? n / 16 * 16 : i + 1024;
        f32x16 sum = splat(0);
        for (; i < end; i += 16) {
            f32x16 v = load16(x + i);
            peak = __builtin_elementwise_max(peak, v);
            sum += exp16(v - s);
        }
        total += horizontal_sum(sum);
    }
    float m = horizontal_max(peak);
    for (; i < n; i++) {
        m = x[i] > m ? x[i] : m;
        total += exp16(splat(x[i] - shift))[0];
    }
    *max = m;
    return total;
}

#pragma clang attribute pop

double ck_sum_exp_shifted_max(const float *x, ptrdiff_t n, float shift, float *max) {
    if (ck_has_avx512()) return sum_exp_max_avx512(x, n, shift, max);
    return ck_sum_exp_shifted(x, n, shift, max);
}
