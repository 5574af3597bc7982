import Foundation
import Tensor
import XCTest

/// Gram matrices AᵀA from row blocks of oneDNN products, and the mirroring of their lower triangle,
/// against plain Float64 loops.
final class GramTests: XCTestCase {
    var rng = SystemRandomNumberGenerator()

    func testLowerGramOverSeveralRowBlocksMatchesAPlainLoop() {
        // 1100 columns: blocks of 80 rows, the last one partial; a row stride wider than the columns.
        let rows = 70, n = 1100, lda = 1104
        let a = (0..<(rows * lda)).map { _ in Float.random(in: -1...1, using: &rng) }
        var scratch: [Float] = []
        var gram = [Double](repeating: 0, count: n * n)
        for _ in 0..<2 {
            a.withUnsafeBufferPointer { BLAS.addGramLower(rows: rows, columns: n, a: $0.baseAddress!, lda: lda, scratch: &scratch, into: &gram) }
        }
        var worst = 0.0
        for i in stride(from: 0, to: n, by: 7) {
            for j in 0..<n {
                if j > i {
                    XCTAssertEqual(gram[i * n + j], 0, "upper triangle (\(i), \(j)) written")
                    continue
                }
                var exact = 0.0
                for r in 0..<rows { exact += Double(a[r * lda + i]) * Double(a[r * lda + j]) }
                worst = max(worst, abs(gram[i * n + j] - 2 * exact))
            }
        }
        XCTAssertLessThan(worst, 1e-4)
    }

    func testMirrorLowerCopiesEveryEntryOfTheLowerTriangle() {
        for n in [1, 63, 64, 65, 200] {
            var a = (0..<(n * n)).map { _ in Double.random(in: -1...1, using: &rng) }
            let before = a
            SymmetricMatrix.mirrorLower(&a, n: n)
            for i in 0..<n {
                for j in 0..<n {
                    XCTAssertEqual(a[i * n + j], before[max(i, j) * n + min(i, j)], "n \(n), (\(i), \(j))")
                }
            }
        }
    }
}
