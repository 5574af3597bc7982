import Foundation
import Tensor
import XCTest

/// Products with weights packed into oneDNN's blocked layout against a Float64 loop over the plain
/// weight: row counts other than the one the layout was chosen for, strided sources and outputs (which
/// may take the plain-weight path), accumulation, and the row-count limit's plain fallback.
final class OneDNNPackedWeightsTests: XCTestCase {
    var rng = SystemRandomNumberGenerator()

    func random(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -1...1, using: &rng) } }

    /// Worst |c − (c0) − a·Wᵀ| relative to Σ|aᵢₚ wⱼₚ|, with W stored [n, k] (row stride ldb).
    func worstError(m: Int, n: Int, k: Int, a: [Float], lda: Int, w: [Float], ldb: Int, c0: [Float]?, c: [Float], ldc: Int) -> Double {
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var sum = Double(c0?[i * ldc + j] ?? 0), scale = abs(sum)
                for p in 0..<k {
                    let t = Double(a[i * lda + p]) * Double(w[j * ldb + p])
                    sum += t
                    scale += abs(t)
                }
                worst = max(worst, abs(Double(c[i * ldc + j]) - sum) / max(scale, 1e-30))
            }
        }
        return worst
    }

    final class Box { let values: [Float]; init(_ v: [Float]) { values = v } }

    func testPackedProductsAgainstNaiveLoop() throws {
        for (n, k, padB) in [(96, 64, 0), (200, 72, 8), (576, 576, 0)] {
            let w = Box(random(n * (k + padB)))
            let packed = try XCTUnwrap(w.values.withUnsafeBufferPointer {
                OneDNN.PackedWeights(b: $0.baseAddress!, n: n, k: k, ldb: k + padB, owner: w, rows: 512)
            }, "oneDNN keeps the plain layout for \(n)x\(k)")
            XCTAssertGreaterThanOrEqual(packed.bytes, n * k * 4)
            for (m, padA, padC) in [(512, 0, 0), (1, 0, 0), (37, 0, 0), (64, 5, 3)] {
                for accumulate in [false, true] {
                    let lda = k + padA, ldc = n + padC
                    let a = random(m * lda), c0 = random(m * ldc)
                    var c = c0
                    c.withUnsafeMutableBufferPointer {
                        OneDNN.gemmNT(m: m, a: a, lda: lda, packed: packed, accumulate: accumulate, c: $0.baseAddress!, ldc: ldc)
                    }
                    for i in 0..<m { for j in n..<ldc { XCTAssertEqual(c[i * ldc + j], c0[i * ldc + j]) } }
                    let e = worstError(m: m, n: n, k: k, a: a, lda: lda, w: w.values, ldb: k + padB, c0: accumulate ? c0 : nil, c: c, ldc: ldc)
                    XCTAssertLessThan(e, 1e-5, "\(n)x\(k) rows \(m) pads \(padA)/\(padC) accumulate \(accumulate)")
                }
            }
        }
    }

    /// More row counts than one product gets primitives for: the rest go through the plain weight, still right.
    func testRowCountsPastTheLimitStillRight() throws {
        let n = 128, k = 96
        let w = Box(random(n * k))
        let packed = try XCTUnwrap(w.values.withUnsafeBufferPointer {
            OneDNN.PackedWeights(b: $0.baseAddress!, n: n, k: k, ldb: k, owner: w, rows: 512)
        })
        for m in 1...40 {
            let a = random(m * k)
            var c = [Float](repeating: 0, count: m * n)
            c.withUnsafeMutableBufferPointer { OneDNN.gemmNT(m: m, a: a, lda: k, packed: packed, c: $0.baseAddress!, ldc: n) }
            XCTAssertLessThan(worstError(m: m, n: n, k: k, a: a, lda: k, w: w.values, ldb: k, c0: nil, c: c, ldc: n), 1e-5, "rows \(m)")
        }
    }
}
