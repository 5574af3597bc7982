/// Which library computes the Float32 products of the linear layers, the LM head and attention in plain
/// windows (packed windows' attention stays with OpenBLAS: its shapes change with every request, and
/// OpenBLAS needs no per-shape set-up); so do LAPACK and the Gram matrices.
public enum GemmBackend: String, CaseIterable, Sendable, Codable {
    case openBLAS = "openblas"
    case oneDNN = "onednn"

    /// The Float32 default, chosen by `prune bench` (same run, model's shapes; README's "How fast"): on
    /// this Zen 5 machine oneDNN's AVX-512 kernels run the forward pass 1.4x faster than Debian's
    /// OpenBLAS 0.3.21, which predates the core; on a Zen 4 the two were within 3 %.
    public static let float32Default: GemmBackend = .oneDNN

    /// C[m×n] = alpha · A[m×k] · B[n×k]ᵀ (+ C with `accumulate`) in Float32.
    @inline(__always)
    public func gemmNT(m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                       accumulate: Bool = false, c: UnsafeMutablePointer<Float>, ldc: Int) {
        switch self {
        case .openBLAS:
            BLAS.gemmNT(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: accumulate ? 1 : 0, c: c, ldc: ldc)
        case .oneDNN:
            OneDNN.gemmNT(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, accumulate: accumulate, c: c, ldc: ldc)
        }
    }

    /// C[m×n] = A[m×k] · B[k×n] in Float32.
    @inline(__always)
    public func gemmNN(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                       c: UnsafeMutablePointer<Float>, ldc: Int) {
        switch self {
        case .openBLAS: BLAS.gemmNN(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
        case .oneDNN: OneDNN.gemmNN(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
        }
    }
}
