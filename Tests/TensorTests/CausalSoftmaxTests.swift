import Foundation
import Tensor
import XCTest

/// Causal attention's block softmax against a Float64 softmax per row: rows whose visible counts end
/// on, before and after 16-lane boundaries, widths that are and are not whole vectors (the last row's
/// masked vector must not read past the width), row strides beyond the width (left untouched), a
/// large dynamic range, and NaN propagation as the per-row kernel has it.
final class CausalSoftmaxTests: XCTestCase {
    var rng = SystemRandomNumberGenerator()

    /// With `deferred`, the rows come back as exponentials and the kernel's inverse sums (as many as the
    /// rows, nothing past them written) must turn them into the same softmax.
    func check(rows: Int, first: Int, width: Int, ld: Int, spread: Float = 8, deferred: Bool = false, line: UInt = #line) {
        var x = [Float](repeating: .nan, count: rows * ld)
        for r in 0..<rows { for j in 0..<width { x[r * ld + j] = Float.random(in: -spread...spread, using: &rng) } }
        let input = x
        var inverse = [Float](repeating: .nan, count: rows + 1)
        x.withUnsafeMutableBufferPointer { xp in
            inverse.withUnsafeMutableBufferPointer { ip in
                Kernels.causalSoftmax(xp.baseAddress!, rows: rows, width: width, ld: ld, first: first, inverseSums: deferred ? ip.baseAddress! : nil)
            }
        }
        if deferred {
            XCTAssertTrue(inverse[rows].isNaN, "an inverse sum written past the rows", line: line)
            for r in 0..<rows { for j in 0..<first + r { x[r * ld + j] *= inverse[r] } }
        } else {
            XCTAssertTrue(inverse.allSatisfy(\.isNaN), line: line)
        }
        for r in 0..<rows {
            let visible = first + r
            let row = (0..<visible).map { Double(input[r * ld + $0]) }
            let m = row.max()!, total = row.reduce(0) { $0 + Foundation.exp($1 - m) }
            for j in 0..<ld {
                let got = x[r * ld + j]
                if j < visible {
                    let want = Foundation.exp(row[j] - m) / total
                    XCTAssertEqual(Double(got), want, accuracy: 2e-6 * max(want, 1e-30) + 1e-12, "row \(r) entry \(j)", line: line)
                } else if j < width {
                    XCTAssertEqual(got, 0, "row \(r) entry \(j) past the visible keys", line: line)
                } else {
                    XCTAssertTrue(got.isNaN, "row \(r) entry \(j) past the width was written", line: line)
                }
            }
        }
    }

    func testBlocksAgainstAFloat64Softmax() {
        check(rows: 64, first: 1, width: 64, ld: 64)
        check(rows: 64, first: 129, width: 192, ld: 192)
        check(rows: 40, first: 1, width: 40, ld: 45)
        check(rows: 7, first: 10, width: 21, ld: 21)
        check(rows: 3, first: 30, width: 37, ld: 40)
        check(rows: 1, first: 1, width: 1, ld: 1)
        check(rows: 20, first: 17, width: 48, ld: 50, spread: 60)
    }

    /// Left unnormalised, rows times their inverse sums are the same softmax (within a rounding more).
    func testDeferredNormalisationGivesTheSameSoftmax() {
        check(rows: 64, first: 1, width: 64, ld: 64, deferred: true)
        check(rows: 64, first: 129, width: 192, ld: 192, deferred: true)
        check(rows: 7, first: 10, width: 21, ld: 21, deferred: true)
        check(rows: 1, first: 1, width: 1, ld: 1, deferred: true)
        check(rows: 20, first: 17, width: 48, ld: 50, spread: 60, deferred: true)
    }

    func testANaNScoreSpoilsItsRowOnly() {
        let rows = 4, width = 20
        var x = (0..<rows * width).map { _ in Float.random(in: -1...1, using: &rng) }
        x[2 * width + 1] = .nan
        x.withUnsafeMutableBufferPointer { Kernels.causalSoftmax($0.baseAddress!, rows: rows, width: width, ld: width, first: 17) }
        for j in 0..<width {
            let row2 = x[2 * width + j]
            if j < 19 { XCTAssertTrue(row2.isNaN, "entry \(j) of the NaN row") } else { XCTAssertEqual(row2, 0) }
            XCTAssertFalse(x[1 * width + j].isNaN)
            XCTAssertFalse(x[3 * width + j].isNaN)
        }
    }
}
