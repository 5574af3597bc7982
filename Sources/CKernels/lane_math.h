#pragma once
#include <math.h>
#include "exp_core.h"
#include "vector16.h"

// Lane-wise helpers on 16-float vectors for the AVX-512 kernels (causal_softmax.c, log_sum_exp.c).
// Include after a target pragma that enables AVX-512: the helpers take its target.

#define AI static inline __attribute__((always_inline))

AI f32x16 splat(float x) { return (f32x16){0} + x; }
// a where mask (all ones), b elsewhere.
AI f32x16 select16(i32x16 mask, f32x16 a, f32x16 b) { return (f32x16)(((i32x16)a & mask) | ((i32x16)b & ~mask)); }

EXP_CORE(f32x16)

AI f32x16 exp16(f32x16 x) {
    f32x16 v = select16(x < -87.33654f, splat(-87.33654f), select16(x > 88.72283f, splat(88.72283f), x));
    f32x16 t;
    f32x16 p = exp_core_f32x16(v, &t);
    u32x16 bits = ((u32x16)t + 127u) << 23;
    return p * (f32x16)bits;
}

// Reductions across the lanes in four halving steps instead of a serial chain of sixteen (the chain's
// latency was paid once per row, 138,000 rows per SmolLM2 window).
AI float horizontal_max(f32x16 v) {
    f32x16 h = __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
    v = __builtin_elementwise_max(v, h);
    h = __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11);
    v = __builtin_elementwise_max(v, h);
    h = __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
    v = __builtin_elementwise_max(v, h);
    h = __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
    return __builtin_elementwise_max(v, h)[0];
}

AI float horizontal_sum(f32x16 v) {
    v += __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
    v += __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11);
    v += __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
    v += __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
    return v[0];
}

