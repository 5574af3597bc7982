import CKernels

/// A register-tiled product for the small matrices of attention (`ck_gemm_nn_lanes_rows`): no packing, B's
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
        ck_gemm_nn_lanes_rows(m, n, depth, alpha, nil, a, Rows.dense(lda).c, b, ldb, c, Rows.dense(ldc).c)
    }

    /// Where a matrix's rows lie: groups of `groupRows` rows `stride` apart, each group `groupStride` after
    /// the previous one. Attention's query heads of one key/value head sit side by side in each token's
    /// row; as groups of a block's tokens they read (and their outputs are written) in place.
    public struct Rows {
        public let stride: Int
        public let groupRows: Int
        public let groupStride: Int

        public init(stride: Int, groupRows: Int, groupStride: Int) {
            self.stride = stride
            self.groupRows = groupRows
            self.groupStride = groupStride
        }

        /// A plain row-major matrix with row stride `stride`.
        public static func dense(_ stride: Int) -> Rows { Rows(stride: stride, groupRows: Int.max, groupStride: 0) }

        /// Whether `rows` rows of `width` numbers laid out so share no entry (either every group's row of
        /// a token side by side within the stride, or whole groups one after another).
        public func disjoint(rows: Int, width: Int) -> Bool {
            let inGroup = min(rows, groupRows), groups = rows == 0 ? 0 : (rows - 1) / groupRows + 1
            let rowsFit = inGroup <= 1 || stride >= width
            if groups <= 1 { return rowsFit }
            if groupStride < stride { return groupStride >= width && (groups - 1) * groupStride + width <= stride }
            return rowsFit && groupStride >= (inGroup - 1) * stride + width
        }

        var c: ck_rows { ck_rows(ld: stride, group_rows: groupRows, group_stride: groupStride) }
    }

    /// C = alpha · A · B with A's and C's rows laid out as `aRows` and `cRows` say, and C's row i also
    /// multiplied by `rowScale[i]` when given; n a multiple of 16. Each row must be as wide as its matrix
    /// (depth for A, n for C) before the next row or group starts; the caller lays them out so.
    public static func gemmNN(m: Int, n: Int, depth: Int, alpha: Float = 1, rowScale: UnsafePointer<Float>? = nil,
                              a: UnsafePointer<Float>, aRows: Rows, b: UnsafePointer<Float>, ldb: Int,
                              c: UnsafeMutablePointer<Float>, cRows: Rows) {
        precondition(m >= 0 && depth >= 0 && n >= 0 && n % 16 == 0, "lane GEMM: \(m)×\(n) columns must be a multiple of 16")
        precondition(ldb >= n && aRows.groupRows > 0 && cRows.groupRows > 0, "lane GEMM: malformed strides or groups")
        precondition(cRows.disjoint(rows: m, width: n), "lane GEMM: C's \(m) rows of \(n) overlap as laid out")
        ck_gemm_nn_lanes_rows(m, n, depth, alpha, rowScale, a, aRows.c, b, ldb, c, cRows.c)
    }

    /// dst[c, r] = src[r, c] for a [rows, columns] source (row strides lds, ldd).
    public static func transpose(_ src: UnsafePointer<Float>, rows: Int, columns: Int, lds: Int, into dst: UnsafeMutablePointer<Float>, ldd: Int) {
        precondition(rows >= 0 && columns >= 0 && lds >= columns && ldd >= rows, "transpose: row strides shorter than rows")
        ck_transpose(src, rows, columns, lds, dst, ldd)
    }
}
