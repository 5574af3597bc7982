import CBLAS

/// The one LAPACK routine reconstruction needs, from OpenBLAS.
public enum LAPACK {
    public struct NotPositiveDefinite: Error, CustomStringConvertible {
        public let minor: Int
        public var description: String { "the matrix is not positive definite (leading minor \(minor))" }
    }

    /// Solves A X = B for a symmetric positive definite A [n, n] by Cholesky (dposv), in place: `b`
    /// holds `nrhs` right-hand sides of length n one after another (column-major [n, nrhs]) and
    /// receives the solutions the same way. `a` is overwritten by its factor.
    public static func solveSPD(_ a: inout [Double], n: Int, _ b: inout [Double], nrhs: Int) throws {
        precondition(a.count == n * n && b.count == n * nrhs, "dposv operands do not match n = \(n), nrhs = \(nrhs)")
        guard n > 0, nrhs > 0 else { return }
        var uplo = CChar(UInt8(ascii: "L")), nn = Int32(n), nr = Int32(nrhs), lda = Int32(n), ldb = Int32(n), info: Int32 = 0
        a.withUnsafeMutableBufferPointer { pa in
            b.withUnsafeMutableBufferPointer { pb in
                dposv_(&uplo, &nn, &nr, pa.baseAddress!, &lda, pb.baseAddress!, &ldb, &info)
            }
        }
        guard info == 0 else {
            precondition(info > 0, "dposv rejected argument \(-info)")
            throw NotPositiveDefinite(minor: Int(info))
        }
    }

    /// The inverse of a symmetric positive definite A [n, n] (row-major; symmetric, so either order).
    public static func inverseSPD(_ a: [Double], n: Int) throws -> [Double] {
        var factor = a
        var inverse = [Double](repeating: 0, count: n * n)
        for i in 0..<n { inverse[i * n + i] = 1 }
        try solveSPD(&factor, n: n, &inverse, nrhs: n)
        return inverse
    }
}
