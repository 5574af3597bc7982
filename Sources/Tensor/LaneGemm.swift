import CKernels

/// A register-tiled product for the small matrices of attention (`ck_gemm_nn_lanes`): no packing, B's
/// rows read in place. Only worth calling where AVX-512 runs it (`available`); elsewhere the library
/// GEMMs stay faster.
public enum LaneGemm {
    public static let available = ck_has_avx512() != 0

    /// C[m × n] = alpha · A[m × depth] · B[depth × n], every matrix row-major with the given row strides;
    /// n a multiple of 16.
    public static func gemmNN(m: Int, n: Int, depth: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                              b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        precondition(m >= 0 && depth >= 0 && n >= 0 && n % 16 == 0, "lane GEMM: \(m)×\(n) columns must be a multiple of 16")
        precondition(lda >= depth && ldb >= n && ldc >= n, "lane GEMM: row strides shorter than rows")
        ck_gemm_nn_lanes(m, n, depth, alpha, a, lda, b, ldb, c, ldc)
    }

    /// dst[c, r] = src[r, c] for a [rows, columns] source (row strides lds, ldd).
    public static func transpose(_ src: UnsafePointer<Float>, rows: Int, columns: Int, lds: Int, into dst: UnsafeMutablePointer<Float>, ldd: Int) {
        precondition(rows >= 0 && columns >= 0 && lds >= columns && ldd >= rows, "transpose: row strides shorter than rows")
        ck_transpose(src, rows, columns, lds, dst, ldd)
    }
}
