import CBLAS

/// The few BLAS calls the forward pass needs, row-major, with leading dimensions explicit so that
/// strided views (one attention head inside a [tokens, heads·dim] matrix) need no copies.
public enum BLAS {
    /// C[m×n] = alpha · A[m×k] · B[n×k]ᵀ + beta · C: a linear layer `x Wᵀ` with W stored [out, in].
    @inline(__always)
    public static func gemmNT(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// C[m×n] = alpha · A[m×k] · B[k×n] + beta · C.
    @inline(__always)
    public static func gemmNN(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// y = W x for W [rows, columns] (a matrix–vector product, for small jobs such as scoring).
    public static func gemv(_ w: Matrix, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(w.rows), Int32(w.columns), 1, w.pointer, Int32(w.columns), x, 1, 0, y, 1)
    }

    /// Adds the lower triangle of AᵀA (A[rows×n], row stride lda) to `gram` (n×n, Float64): formed in
    /// Float32 in `scratch` (grown to n² floats; sums of at most a window's tokens) and accumulated in
    /// Float64, so Gram matrices summed over many windows keep their precision.
    /// The product goes through oneDNN (A read transposed in place) as row blocks of the lower triangle,
    /// at oneDNN's speed rather than OpenBLAS's ssyrk (half as fast here). Sixteen blocks compute 17/32
    /// of the full product (four computed 10/16); blocks of fewer than 64 rows run no faster per row.
    public static func addGramLower(rows: Int, columns n: Int, a: UnsafePointer<Float>, lda: Int, scratch: inout [Float], into gram: inout [Double]) {
        precondition(gram.count >= n * n)
        if scratch.count < n * n { scratch = .init(repeating: 0, count: n * n) }
        scratch.withUnsafeMutableBufferPointer { c in
            let product = c.baseAddress!
            let block = max(64, ((n + 15) / 16 + 15) / 16 * 16)
            for i0 in stride(from: 0, to: n, by: block) {
                let i1 = min(n, i0 + block)
                // Rows i0..<i1 of AᵀA, columns 0..<i1: the lower triangle's rows and the diagonal block.
                OneDNN.gemmTN(m: i1 - i0, n: i1, k: rows, a: a + i0, lda: lda, b: a, ldb: lda, c: product + i0 * n, ldc: n)
            }
            gram.withUnsafeMutableBufferPointer { g in
                for i in 0..<n { Kernels.add(g.baseAddress! + i * n, c.baseAddress! + i * n, count: i + 1) }
            }
        }
    }

    /// C[m×n] = A[k×m]ᵀ · B[k×n] (row strides lda, ldb, ldc): cross products of two sets of activations.
    public static func gemmTN(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                              c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), 0, c, Int32(ldc))
    }

    /// C[m×n] = A[m×k] · B[n×k]ᵀ in Float64, row-major.
    public static func dgemmNT(m: Int, n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                               c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), 0, c, Int32(ldc))
    }

    /// A[m×n] += alpha · x yᵀ in Float64, row-major with row stride lda (x and y contiguous).
    public static func dger(m: Int, n: Int, alpha: Double, x: UnsafePointer<Double>, y: UnsafePointer<Double>,
                            a: UnsafeMutablePointer<Double>, lda: Int) {
        cblas_dger(CblasRowMajor, Int32(m), Int32(n), alpha, x, 1, y, 1, a, Int32(lda))
    }

    /// How many threads OpenBLAS (and oneDNN, see `OneDNN.threads`) uses inside one call. The forward
    /// pass runs one window per core with single-threaded BLAS, which keeps the element-wise work parallel too.
    /// BLAS threads per call while `workers` workers keep cores busy: the cores left to each worker.
    public static func threads(beside workers: Int) -> Int { max(1, Parallel.cores / max(1, workers)) }

    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set {
            openblas_set_num_threads(Int32(newValue))
            OneDNN.threads = newValue
        }
    }
}
