// Element-wise kernels of the forward pass in C: Swift's generic SIMD types were not reliably
// vectorised for these (exp, clamps, lane conversions), and these loops dominate outside BLAS.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>

// e^x for Float32 within a few ulp (Cephes expf method), vectorisable.
float ck_exp(float x);
// out[i] = e^(x[i]) for i < n.
void ck_exp_array(const float *x, float *out, ptrdiff_t n);
// The maximum of x[0..n) into *max, and the sum of exp(x[i] - max) (Float within 1024 values, double across).
double ck_sum_exp_below_max(const float *x, ptrdiff_t n, float *max);
// The sum of exp(x[i] - shift) for a given shift (summed as above), and the maximum of x into *max
// (NaNs ignored). Terms are exact only while x[i] - shift <= 88.7 (the exponential clamps there): the
// caller checks *max. ck_sum_exp_shifted in two passes, ck_sum_exp_shifted_max in one (AVX-512).
double ck_sum_exp_shifted(const float *x, ptrdiff_t n, float shift, float *max);
double ck_sum_exp_shifted_max(const float *x, ptrdiff_t n, float shift, float *max);
// Softmax of x[0..n) in place, maximum subtracted first.
void ck_softmax(float *x, ptrdiff_t n);
// gate[i] = silu(gate[i]) * up[i].
void ck_swiglu(float *gate, const float *up, ptrdiff_t n);
// out[i] = x[i] / sqrt(mean(x²) + eps) * w[i].
void ck_rmsnorm(const float *x, const float *w, float eps, ptrdiff_t n, float *out);
// Σ x[i]².
float ck_sum_squares(const float *x, ptrdiff_t n);
// acc[j] += Σ_r x[r*ld + j]² for r < rows, j < cols (blocks of 64 rows in float, carried in double).
void ck_column_squares(const float *x, ptrdiff_t rows, ptrdiff_t cols, ptrdiff_t ld, double *acc);
// y[i] += x[i].
void ck_add(float *y, const float *x, ptrdiff_t n);
void ck_add_widened(double *y, const float *x, ptrdiff_t n);
// Softmax of x over the entries [a0, a1) and [b0, b1) together (disjoint, a1 <= b0); every other entry
// of x[0..n) is set to 0. For attention rows that see a shared prefix and their own segment.
void ck_softmax_two_ranges(float *x, ptrdiff_t n, ptrdiff_t a0, ptrdiff_t a1, ptrdiff_t b0, ptrdiff_t b1);
// Causal attention's softmax over a block of rows (row stride ld): row r over its first `first + r`
// entries, the rest of its `width` set to 0 (causal_softmax.c). 1 <= first, first + rows - 1 <= width.
// With inverse_sums, row r may be left as exponentials and inverse_sums[r] is what it is to be
// multiplied by (1 if it was normalised): the product that reads the rows can apply it to fewer numbers.
void ck_softmax_causal(float *scores, ptrdiff_t rows, ptrdiff_t width, ptrdiff_t ld, ptrdiff_t first, float *inverse_sums);
// Where row i of a matrix starts: (i / group_rows) · group_stride + (i % group_rows) · ld floats in
// (a plain row-major matrix: group_rows at least its row count).
typedef struct {
    ptrdiff_t ld;
    ptrdiff_t group_rows;
    ptrdiff_t group_stride;
} ck_rows;
// C[m × n] = alpha · A[m × depth] · B[depth × n] (B's row stride ldb; A's and C's rows laid out as
// a_rows and c_rows say) for n a multiple of 16, in registers without packing: attention's small
// products (attention_gemm.c). C's row i is also scaled by row_scale[i] when not NULL: attention's
// value product applies the softmax's normalisation there.
void ck_gemm_nn_lanes_rows(ptrdiff_t m, ptrdiff_t n, ptrdiff_t depth, float alpha, const float *row_scale,
                           const float *a, ck_rows a_rows, const float *b, ptrdiff_t ldb, float *c, ck_rows c_rows);
// dst[c × ldd + r] = src[r × lds + c] for r < rows, c < cols.
void ck_transpose(const float *src, ptrdiff_t rows, ptrdiff_t cols, ptrdiff_t lds, float *dst, ptrdiff_t ldd);
// Whether this processor runs AVX-512 (the only build of ck_gemm_nn_lanes_rows worth calling).
int ck_has_avx512(void);

#endif
