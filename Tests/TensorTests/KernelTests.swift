import Foundation
import Tensor
import XCTest

/// The C kernels against plain Float64 computations.
final class KernelTests: XCTestCase {
    var rng = SystemRandomNumberGenerator()

    func random(_ n: Int, _ range: ClosedRange<Float>) -> [Float] { (0..<n).map { _ in Float.random(in: range, using: &rng) } }

    func testExpAcrossTheRange() {
        var worst = 0.0
        for x in stride(from: Float(-87), through: 88, by: 0.01) {
            let exact = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(Kernels.exp(x)) - exact) / exact)
        }
        XCTAssertLessThan(worst, 4e-7)
        XCTAssertEqual(Kernels.exp(0), 1)
        XCTAssertLessThan(Kernels.exp(-200), 1e-37)
    }

    func testSoftmaxAndLogSumExp() {
        for n in [1, 3, 8, 17, 1000, 49152] {
            var x = random(n, -30...30)
            let top = Double(x.max()!)
            let z = x.reduce(0.0) { $0 + Foundation.exp(Double($1) - top) }
            let (m, sum) = x.withUnsafeBufferPointer { Kernels.sumExpBelowMax($0.baseAddress!, n) }
            XCTAssertEqual(m, top, "n = \(n)")
            XCTAssertEqual(m + Foundation.log(sum), top + Foundation.log(z), accuracy: 1e-5, "n = \(n)")
            let expected = x.map { Foundation.exp(Double($0) - top) / z }
            x.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, n) }
            for (a, b) in zip(x, expected) { XCTAssertEqual(Double(a), b, accuracy: 1e-6) }
        }
    }

    /// The one-pass sum below a given shift: every length around the 16-lane vectors and the 1,024-entry
    /// blocks, shifts below, at and above the maximum, and a NaN ignored by the maximum but not by the sum.
    func testSumExpBelowAGivenShift() {
        for n in [1, 15, 16, 17, 1023, 1024, 1025, 4096, 5000] {
            let x = random(n, -30...30)
            let top = Double(x.max()!)
            for shift in [Float(top) - 50, Float(top), Float(top) + 20, 0] {
                let want = x.reduce(0.0) { $0 + Foundation.exp(Double($1) - Double(shift)) }
                let (m, sum) = x.withUnsafeBufferPointer { Kernels.sumExp($0.baseAddress!, n, shift: shift) }
                XCTAssertEqual(m, top, "n = \(n)")
                XCTAssertEqual(sum, want, accuracy: 2e-6 * want, "n = \(n), shift \(shift)")
            }
        }
        var x = random(40, -1...1)
        x[33] = .nan
        let (m, sum) = x.withUnsafeBufferPointer { Kernels.sumExp($0.baseAddress!, 40, shift: 0) }
        XCTAssertEqual(m, Double(x.filter { !$0.isNaN }.max()!))
        XCTAssertTrue(sum.isNaN)
    }

    func testRMSNormAndSwiGLU() {
        let n = 576
        let x = random(n, -3...3), w = random(n, 0.5...1.5)
        var out = [Float](repeating: 0, count: n)
        x.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in out.withUnsafeMutableBufferPointer {
            Kernels.rmsNorm(xp.baseAddress!, weight: wp.baseAddress!, eps: 1e-5, count: n, into: $0.baseAddress!)
        } } }
        let scale = 1 / (x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n) + 1e-5).squareRoot()
        for i in 0..<n { XCTAssertEqual(Double(out[i]), Double(x[i]) * scale * Double(w[i]), accuracy: 1e-5) }

        var g = random(n, -8...8)
        let u = random(n, -2...2), g0 = g
        g.withUnsafeMutableBufferPointer { gp in u.withUnsafeBufferPointer { Kernels.swiglu(gate: gp.baseAddress!, up: $0.baseAddress!, count: n) } }
        for i in 0..<n {
            let a = Double(g0[i])
            XCTAssertEqual(Double(g[i]), a / (1 + Foundation.exp(-a)) * Double(u[i]), accuracy: 1e-5)
        }
    }

    func testColumnSquaresWithStride() {
        let rows = 150, columns = 37, ld = 40
        let x = random(rows * ld, -2...2)
        var acc = [Double](repeating: 1, count: columns)
        x.withUnsafeBufferPointer { xp in acc.withUnsafeMutableBufferPointer {
            Kernels.accumulateColumnSquares(xp.baseAddress!, rows: rows, columns: columns, ld: ld, into: $0.baseAddress!)
        } }
        for j in 0..<columns {
            let s = (0..<rows).reduce(1.0) { $0 + Double(x[$1 * ld + j]) * Double(x[$1 * ld + j]) }
            XCTAssertEqual(acc[j], s, accuracy: 1e-4)
        }
    }

    func testMatrixSelectionAndTranspose() {
        let m = Matrix(rows: 3, columns: 4, values: (0..<12).map(Float.init))
        XCTAssertEqual(m.selectingRows([2, 0]).values, [8, 9, 10, 11, 0, 1, 2, 3])
        XCTAssertEqual(m.selectingColumns([3, 1]).values, [3, 1, 7, 5, 11, 9])
        XCTAssertEqual(m.transposed().values, [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
    }

    func testGemmAgainstLoops() {
        let a = Matrix(rows: 5, columns: 7, values: random(35, -1...1)), b = Matrix(rows: 6, columns: 7, values: random(42, -1...1))
        let c = Matrix(rows: 5, columns: 6)
        BLAS.gemmNT(m: 5, n: 6, k: 7, a: a.pointer, lda: 7, b: b.pointer, ldb: 7, c: c.pointer, ldc: 6)
        for i in 0..<5 {
            for j in 0..<6 {
                XCTAssertEqual(c[i, j], (0..<7).reduce(Float(0)) { $0 + a[i, $1] * b[j, $1] }, accuracy: 1e-5)
            }
        }
    }
}
