#pragma once

// The body of e^v shared by the scalar exponential (kernels.c) and the 16-lane one (causal_softmax.c),
// written once for any type with float arithmetic (scalar constants splat across a vector's lanes), so
// both give the same bits: Cephes' expf method. v must already be clamped to [-87.33654, 88.72283].
// Returns the polynomial e^r for r = v − n·ln 2; *t holds n in its low mantissa bits (adding 1.5·2^23
// rounds to an integer there), which the caller turns into 2^n: (bits of t + 127) << 23.
#define EXP_CORE(T)                                                                                    \
    static inline __attribute__((always_inline)) T exp_core_##T(T v, T *t) {                          \
        *t = v * 1.442695040888963f + 12582912.0f;                                                     \
        T n = *t - 12582912.0f;                                                                        \
        T r = v - n * 0.693359375f;                                                                    \
        r = r - n * -2.12194440e-4f;                                                                   \
        T p = (T){0} + 1.9875691500e-4f;                                                               \
        p = p * r + 1.3981999507e-3f;                                                                  \
        p = p * r + 8.3334519073e-3f;                                                                  \
        p = p * r + 4.1665795894e-2f;                                                                  \
        p = p * r + 1.6666665459e-1f;                                                                  \
        p = p * r + 5.0000001201e-1f;                                                                  \
        return p * (r * r) + r + 1.0f;                                                                 \
    }
