/// Square Float64 matrices of which one triangle was computed (Gram matrices).
public enum SymmetricMatrix {
    /// Copies the lower triangle of the row-major n×n matrix `a` onto its upper triangle, in 64×64 tiles
    /// so both the rows read and the columns written stay in cache (a plain double loop writes with a
    /// stride of n and costs several times as much on 1536 × 1536).
    public static func mirrorLower(_ a: UnsafeMutablePointer<Double>, n: Int) {
        let tile = 64
        for i0 in stride(from: 0, to: n, by: tile) {
            for j0 in stride(from: 0, through: i0, by: tile) {
                for i in i0..<min(n, i0 + tile) {
                    for j in j0..<min(i, j0 + tile) { a[j * n + i] = a[i * n + j] }
                }
            }
        }
    }

    public static func mirrorLower(_ a: inout [Double], n: Int) {
        precondition(a.count == n * n, "a \(a.count)-value matrix is not \(n) × \(n)")
        a.withUnsafeMutableBufferPointer { mirrorLower($0.baseAddress!, n: n) }
    }
}
