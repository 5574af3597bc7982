#include "ckernels.h"
#include "target_clones.h"

// The 16-float vectors below never cross a call boundary (every helper is inlined), so the baseline
// clones' warning about their calling convention does not apply.
#pragma clang diagnostic ignored "-Wpsabi"

#include "vector16.h"

// Attention's products are small (192 query rows of a key/value head's group against 64 to 512 keys,
// depth 64) and a library GEMM spends much of such a call packing its operands: oneDNN took 52 µs for a
// score and value product pair over 64 keys on one core, 60 GFLOP/s. This kernel reads the operands in
// place instead: B's rows are contiguous and 16-lane multiples wide, a tile of C (up to 6 rows × 64
// columns) stays in 24 registers while the depth loop broadcasts A's entries against B's rows.

// Row i of a matrix laid out as `ck_rows` describes: rows come in groups of `group_rows`, group g
// starting `group_stride` floats after group g - 1, its rows `ld` apart. One group of every row is a
// plain row-major matrix; groups let attention read a key/value head's query heads (and write their
// outputs) where the projections put them, side by side in each token's row, without copying.
// A cursor walks the rows in order, counting groups instead of dividing (two divisions per row: a
// window's attention took 0.4-1.2 ms longer with them, five alternating rounds).
typedef struct {
    ck_rows layout;
    ptrdiff_t group, row;
} row_cursor;

static inline __attribute__((always_inline)) ptrdiff_t next_offset(row_cursor *cursor) {
    ptrdiff_t offset = cursor->group * cursor->layout.group_stride + cursor->row * cursor->layout.ld;
    if (++cursor->row == cursor->layout.group_rows) {
        cursor->row = 0;
        cursor->group++;
    }
    return offset;
}

// C[R × 16·V] = A[R × depth] · B[depth × 16·V] times alpha and, when given, each row's scale; R and V
// are constants after inlining. a[r] and c[r] point at the tile's rows.
static inline __attribute__((always_inline)) void tile(const int R, const int V, ptrdiff_t depth, const float *const *a,
                                                       const float *b, ptrdiff_t ldb, float *const *c, const float *scale) {
    f32x16 acc[6][4];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) acc[r][v] = (f32x16){0};
    for (ptrdiff_t p = 0; p < depth; p++) {
        f32x16 row[4];
        for (int v = 0; v < V; v++) row[v] = load16(b + p * ldb + 16 * v);
        for (int r = 0; r < R; r++) {
            f32x16 x = (f32x16){0} + a[r][p];
            for (int v = 0; v < V; v++) acc[r][v] += x * row[v];
        }
    }
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) store16(c[r] + 16 * v, scale[r] * acc[r][v]);
}

static inline __attribute__((always_inline)) void rows_of(const int V, ptrdiff_t m, ptrdiff_t depth, float alpha, const float *row_scale,
                                                          const float *a, ck_rows a_rows, const float *b, ptrdiff_t ldb,
                                                          float *c, ck_rows c_rows) {
    row_cursor at_a = {a_rows, 0, 0}, at_c = {c_rows, 0, 0};
    for (ptrdiff_t i = 0; i < m; i += 6) {
        const float *ap[6];
        float *cp[6];
        float scale[6];
        int rows = m - i < 6 ? (int)(m - i) : 6;
        for (int r = 0; r < rows; r++) {
            ap[r] = a + next_offset(&at_a);
            cp[r] = c + next_offset(&at_c);
            scale[r] = row_scale ? alpha * row_scale[i + r] : alpha;
        }
        switch (rows) {
        case 6: tile(6, V, depth, ap, b, ldb, cp, scale); break;
        case 5: tile(5, V, depth, ap, b, ldb, cp, scale); break;
        case 4: tile(4, V, depth, ap, b, ldb, cp, scale); break;
        case 3: tile(3, V, depth, ap, b, ldb, cp, scale); break;
        case 2: tile(2, V, depth, ap, b, ldb, cp, scale); break;
        default: tile(1, V, depth, ap, b, ldb, cp, scale); break;
        }
    }
}

HOT void ck_gemm_nn_lanes_rows(ptrdiff_t m, ptrdiff_t n, ptrdiff_t depth, float alpha, const float *row_scale,
                               const float *a, ck_rows a_rows, const float *b, ptrdiff_t ldb, float *c, ck_rows c_rows) {
    // Column panels of 64 (B's panel, at most 16 KB for depth 64, stays in L1 over every row tile), then
    // what is left in panels of 16.
    ptrdiff_t j = 0;
    for (; j + 64 <= n; j += 64) rows_of(4, m, depth, alpha, row_scale, a, a_rows, b + j, ldb, c + j, c_rows);
    for (; j + 16 <= n; j += 16) rows_of(1, m, depth, alpha, row_scale, a, a_rows, b + j, ldb, c + j, c_rows);
}

HOT void ck_transpose(const float *src, ptrdiff_t rows, ptrdiff_t cols, ptrdiff_t lds, float *dst, ptrdiff_t ldd) {
    // Blocks of 16 source rows: each destination row's 16 entries are one cache line.
    for (ptrdiff_t r0 = 0; r0 < rows; r0 += 16) {
        ptrdiff_t r1 = rows - r0 < 16 ? rows : r0 + 16;
        for (ptrdiff_t c = 0; c < cols; c++)
            for (ptrdiff_t r = r0; r < r1; r++) dst[c * ldd + r] = src[r * lds + c];
    }
}

int ck_has_avx512(void) {
#if defined(__x86_64__)
    // Asked once: the block softmax checks it on every call. -1 until known; a race only asks twice.
    static int known = -1;
    int v = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") ? 1 : 0;
        __atomic_store_n(&known, v, __ATOMIC_RELAXED);
    }
    return v;
#else
    return 0;
#endif
}
