import Foundation
import Tensor
import XCTest

/// oneDNN's matmul primitives against a plain triple loop in Float64 written here. Errors are relative to
/// Σₖ|aᵢₖ·bₖⱼ|, the scale a Float32 sum's rounding error grows with (an entry near zero by cancellation
/// cannot be held to its own size).
final class OneDNNTests: XCTestCase {
    var rng = SystemRandomNumberGenerator()

    func random(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -1...1, using: &rng) } }

    /// The worst error of `c` (row stride ldc) against Σₖ a[i, k]·b(k, j) (+ c0 when accumulating), with
    /// b(k, j) read as B[j, k] (transposed) or B[k, j].
    func worstError(m: Int, n: Int, k: Int, a: [Float], lda: Int, b: [Float], ldb: Int, transposed: Bool,
                    c0: [Float]?, c: [Float], ldc: Int) -> Double {
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var sum = Double(c0?[i * ldc + j] ?? 0), scale = abs(sum)
                for p in 0..<k {
                    let bv = Double(transposed ? b[j * ldb + p] : b[p * ldb + j])
                    sum += Double(a[i * lda + p]) * bv
                    scale += abs(Double(a[i * lda + p]) * bv)
                }
                worst = max(worst, abs(Double(c[i * ldc + j]) - sum) / max(scale, 1e-30))
            }
        }
        return worst
    }

    /// Runs one product through oneDNN (Float32 or bfloat16 inputs) and returns its worst error against
    /// the naive loop on the inputs it was given (bfloat16: the rounded ones).
    func check(m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int, transposed: Bool, accumulate: Bool, bf16: Bool) -> Double {
        var a = random(m * lda), b = random((transposed ? n : k) * ldb)
        if bf16 { a = a.map(BFloat16.rounded); b = b.map(BFloat16.rounded) }
        let c0 = random(m * ldc)
        var c = c0
        let a16 = a.map(BFloat16.bits), b16 = b.map(BFloat16.bits)
        c.withUnsafeMutableBufferPointer { cp in
            let cc = cp.baseAddress!
            switch (bf16, transposed) {
            case (false, true):
                OneDNN.gemmNT(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, accumulate: accumulate, c: cc, ldc: ldc)
            case (false, false):
                OneDNN.gemmNN(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, accumulate: accumulate, c: cc, ldc: ldc)
            case (true, true):
                OneDNN.gemmNT(m: m, n: n, k: k, a: a16, lda: lda, b: b16, ldb: ldb, accumulate: accumulate, c: cc, ldc: ldc)
            case (true, false):
                OneDNN.gemmNN(m: m, n: n, k: k, a: a16, lda: lda, b: b16, ldb: ldb, accumulate: accumulate, c: cc, ldc: ldc)
            }
        }
        // Entries between rows' ends and the row stride are untouched.
        for i in 0..<m { for j in n..<ldc { XCTAssertEqual(c[i * ldc + j], c0[i * ldc + j]) } }
        return worstError(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, transposed: transposed,
                          c0: accumulate ? c0 : nil, c: c, ldc: ldc)
    }

    static let shapes: [(m: Int, n: Int, k: Int, pad: Int)] = [(1, 1, 1, 0), (7, 13, 29, 3), (33, 17, 64, 0), (64, 96, 576, 5), (128, 576, 1536, 0)]

    func testFloat32AgainstNaiveLoop() {
        for s in Self.shapes {
            for transposed in [true, false] {
                for accumulate in [false, true] {
                    let e = check(m: s.m, n: s.n, k: s.k, lda: s.k + s.pad, ldb: (transposed ? s.k : s.n) + s.pad, ldc: s.n + s.pad,
                                  transposed: transposed, accumulate: accumulate, bf16: false)
                    XCTAssertLessThan(e, 1e-4, "f32 \(s) transposed \(transposed) accumulate \(accumulate)")
                }
            }
        }
    }

    /// Aᵀ·B with A stored [k, m] and read transposed in place (what Gram matrices use).
    func testTransposedSourceAgainstNaiveLoop() {
        for s in Self.shapes {
            for accumulate in [false, true] {
                let lda = s.m + s.pad, ldb = s.n + s.pad, ldc = s.n + s.pad
                let stored = random(s.k * lda), b = random(s.k * ldb), c0 = random(s.m * ldc)
                var c = c0
                c.withUnsafeMutableBufferPointer { cp in
                    OneDNN.gemmTN(m: s.m, n: s.n, k: s.k, a: stored, lda: lda, b: b, ldb: ldb, accumulate: accumulate, c: cp.baseAddress!, ldc: ldc)
                }
                // The naive loop reads A as the [m, k] matrix it stands for.
                var a = [Float](repeating: 0, count: s.m * s.k)
                for i in 0..<s.m { for p in 0..<s.k { a[i * s.k + p] = stored[p * lda + i] } }
                let e = worstError(m: s.m, n: s.n, k: s.k, a: a, lda: s.k, b: b, ldb: ldb, transposed: false,
                                   c0: accumulate ? c0 : nil, c: c, ldc: ldc)
                XCTAssertLessThan(e, 1e-4, "\(s) accumulate \(accumulate)")
            }
        }
    }

    func testBFloat16AgainstNaiveLoopOnRoundedInputs() {
        for s in Self.shapes {
            for transposed in [true, false] {
                for accumulate in [false, true] {
                    let e = check(m: s.m, n: s.n, k: s.k, lda: s.k + s.pad, ldb: (transposed ? s.k : s.n) + s.pad, ldc: s.n + s.pad,
                                  transposed: transposed, accumulate: accumulate, bf16: true)
                    XCTAssertLessThan(e, 1e-5, "bf16 \(s) transposed \(transposed) accumulate \(accumulate)")
                }
            }
        }
    }

    /// The same cached primitive run from several threads at once gives each its own right answer.
    func testConcurrentCallsShareOnePrimitive() {
        let m = 64, n = 96, k = 128
        let saved = OneDNN.threads
        defer { OneDNN.threads = saved }
        OneDNN.threads = 1
        let inputs = (0..<4).map { _ in (random(m * k), random(n * k)) }
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var values = [[Float]](repeating: [], count: 4)
        }
        let results = Results()
        let before = OneDNN.cachedPrimitives
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            var c = [Float](repeating: 0, count: m * n)
            for _ in 0..<20 {
                c.withUnsafeMutableBufferPointer {
                    OneDNN.gemmNT(m: m, n: n, k: k, a: inputs[i].0, lda: k, b: inputs[i].1, ldb: k, c: $0.baseAddress!, ldc: n)
                }
            }
            results.lock.withLock { results.values[i] = c }
        }
        XCTAssertLessThanOrEqual(OneDNN.cachedPrimitives - before, 1)
        for i in 0..<4 {
            let e = worstError(m: m, n: n, k: k, a: inputs[i].0, lda: k, b: inputs[i].1, ldb: k, transposed: true, c0: nil, c: results.values[i], ldc: n)
            XCTAssertLessThan(e, 1e-4, "thread \(i)")
        }
    }

    /// Attention's scores: a scaled product of strided head slices (query rows 576 wide, key rows 192),
    /// the scale a primitive attribute.
    func testScaledStridedProductAgainstNaiveLoop() {
        let m = 37, n = 90, k = 64, lda = 576, ldb = 192, alpha: Float = 0.125
        let a = random(m * lda), b = random(n * ldb)
        var c = [Float](repeating: 0, count: m * n)
        c.withUnsafeMutableBufferPointer { OneDNN.gemmNT(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: $0.baseAddress!, ldc: n) }
        let e = worstError(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, transposed: true, c0: nil,
                           c: c.map { $0 / alpha }, ldc: n)
        XCTAssertLessThan(e, 1e-5)
    }

    /// Past 32 row counts of one product, new ones share a primitive made for any number of rows:
    /// every count still right, and the cache grows by 33 primitives at most per product.
    func testManyRowCountsShareOnePrimitive() {
        let before = OneDNN.cachedPrimitives
        for m in 1...40 {
            for accumulate in [false, true] {
                let e = check(m: m, n: 77, k: 33, lda: 40, ldb: 33, ldc: 80, transposed: true, accumulate: accumulate, bf16: false)
                XCTAssertLessThan(e, 1e-4, "rows \(m) accumulate \(accumulate)")
            }
        }
        XCTAssertLessThanOrEqual(OneDNN.cachedPrimitives - before, 2 * 33)
    }

    func testEmptyReductionZeroesOrKeepsTheOutput() {
        var c: [Float] = [1, 2, 3, 4]
        let a: [Float] = [], b: [Float] = []
        c.withUnsafeMutableBufferPointer { OneDNN.gemmNT(m: 2, n: 2, k: 0, a: a, lda: 1, b: b, ldb: 1, accumulate: true, c: $0.baseAddress!, ldc: 2) }
        XCTAssertEqual(c, [1, 2, 3, 4])
        c.withUnsafeMutableBufferPointer { OneDNN.gemmNT(m: 2, n: 2, k: 0, a: a, lda: 1, b: b, ldb: 1, c: $0.baseAddress!, ldc: 2) }
        XCTAssertEqual(c, [0, 0, 0, 0])
    }

    /// Rounding to bfloat16 against the definition: the nearest of the two neighbouring bfloat16 values,
    /// ties to the one with an even last bit; computed here from Float64 distances.
    func testRoundingIsNearestEven() {
        var samples: [Float] = [0, -0, 1, -1, 1.00390625, 1.01171875, 3.14159, 65504, 1e-40, -2.5e38, .infinity, -.infinity]
        samples += random(2000).map { $0 * 1000 }
        samples += (0..<2000).map { _ in Float(bitPattern: UInt32.random(in: 0..<0x7F7F_0000, using: &rng)) }
        for x in samples {
            let down = Float(bitPattern: x.bitPattern & 0xFFFF_0000)
            let up = Float(bitPattern: (x.bitPattern & 0xFFFF_0000) &+ 0x1_0000)
            let r = BFloat16.rounded(x)
            if down == x { XCTAssertEqual(r.bitPattern, x.bitPattern); continue }
            let dd = abs(Double(x) - Double(down)), du = abs(Double(up) - Double(x))
            let expected = dd < du ? down : du < dd ? up : ((down.bitPattern >> 16) & 1 == 0 ? down : up)
            XCTAssertEqual(r.bitPattern, expected.bitPattern, "\(x)")
            var bits: UInt16 = 0
            withUnsafePointer(to: x) { BFloat16.convert($0, &bits, count: 1) }
            XCTAssertEqual(bits, BFloat16.bits(x))
        }
        XCTAssertTrue(BFloat16.rounded(.nan).isNaN)
    }
}
