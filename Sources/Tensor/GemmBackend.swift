/// Which library computes the Float32 products of the linear layers and the LM head. Attention's small
/// per-head products stay with OpenBLAS either way (their shapes change with every query block, and
/// OpenBLAS needs no per-shape set-up); so do LAPACK and the Gram matrices.
public enum GemmBackend: String, CaseIterable, Sendable, Codable {
    case openBLAS = "openblas"
    case oneDNN = "onednn"

    /// The Float32 default, chosen by `prune bench` (same run, model's shapes; README's "How fast"): on
    /// this Zen 5 machine oneDNN's AVX-512 kernels run the forward pass 1.4x faster than Debian's
    /// OpenBLAS 0.3.21, which predates the core; on a Zen 4 the two were within 3 %.
    public static let float32Default: GemmBackend = .oneDNN

    /// C[m×n] = A[m×k] · B[n×k]ᵀ (+ C with `accumulate`) in Float32.
    @inline(__always)
    public func gemmNT(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                       accumulate: Bool = false, c: UnsafeMutablePointer<Float>, ldc: Int) {
        switch self {
        case .openBLAS:
            BLAS.gemmNT(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: accumulate ? 1 : 0, c: c, ldc: ldc)
        case .oneDNN:
            OneDNN.gemmNT(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, accumulate: accumulate, c: c, ldc: ldc)
        }
    }
}
