#pragma once
#include <stdint.h>
#include <string.h>

// 16-float vectors (one AVX-512 register) and their unaligned loads and stores, for the kernels written
// with them (attention_gemm.c, causal_softmax.c). Included after a target pragma, the helpers take its
// target too.
typedef float f32x16 __attribute__((vector_size(64)));
typedef int32_t i32x16 __attribute__((vector_size(64)));
typedef uint32_t u32x16 __attribute__((vector_size(64)));

static inline __attribute__((always_inline)) f32x16 load16(const float *p) {
    f32x16 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline __attribute__((always_inline)) void store16(float *p, f32x16 v) { memcpy(p, &v, sizeof v); }
