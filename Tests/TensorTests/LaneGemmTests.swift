import Foundation
import Tensor
import XCTest

/// The register-tiled attention product and its key transposition against Float64 loops: row counts
/// on and off the 6-row tiles, column counts of 64-wide panels and 16-wide remainders, depths from
/// none to more than a tile, strides beyond the widths (whose padding must stay untouched), and alpha.
final class LaneGemmTests: XCTestCase {
    var rng = SystemRandomNumberGenerator()

    func random(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -1...1, using: &rng) } }

    func testProductsAgainstAFloat64Loop() {
        var checked = 0
        for m in [1, 2, 5, 6, 7, 13, 192] {
            for n in [16, 48, 64, 80, 144] {
                for depth in [0, 1, 7, 64, 100] {
                    let alpha: Float = (m + n) % 2 == 0 ? 1 : 0.125
                    let lda = depth + 3, ldb = n + 5, ldc = n + 7
                    let a = random(m * lda), b = random(max(depth, 1) * ldb)
                    var c = [Float](repeating: .nan, count: m * ldc)
                    c.withUnsafeMutableBufferPointer { cp in
                        LaneGemm.gemmNN(m: m, n: n, depth: depth, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: cp.baseAddress!, ldc: ldc)
                    }
                    var worst = 0.0
                    for i in 0..<m {
                        for j in 0..<ldc {
                            let got = c[i * ldc + j]
                            if j >= n { XCTAssertTrue(got.isNaN, "padding written at \(i),\(j) (\(m)×\(n)×\(depth))"); continue }
                            var sum = 0.0, scale = 0.0
                            for p in 0..<depth {
                                let t = Double(a[i * lda + p]) * Double(b[p * ldb + j])
                                sum += t
                                scale += abs(t)
                            }
                            sum *= Double(alpha)
                            scale *= Double(alpha)
                            worst = max(worst, abs(Double(got) - sum) / max(scale, 1e-30))
                        }
                    }
                    XCTAssertLessThan(worst, 1e-6, "\(m)×\(n)×\(depth), alpha \(alpha)")
                    checked += 1
                }
            }
        }
        XCTAssertEqual(checked, 7 * 5 * 5)
    }

    /// Attention's layout: `groups` heads side by side in each of `rows` token rows (stride `ld`), read and
    /// written in place as one matrix of groups × rows rows, C's rows scaled one by one. Against the
    /// Float64 loop on the gathered matrix; every entry of C's buffer outside the heads' columns stays NaN.
    func testGroupedRowsAndRowScalesAgainstAFloat64Loop() {
        for (rows, groups, width, depth) in [(64, 3, 64, 64), (7, 2, 16, 20), (1, 4, 32, 5), (13, 1, 80, 64), (6, 3, 64, 0)] {
            let ld = groups * width + 11, m = groups * rows
            let a = random(rows * (groups * depth + 3)), lda = groups * depth + 3
            let ldb = width + 2, b = random(max(depth, 1) * ldb)
            let scales = random(m)
            var c = [Float](repeating: .nan, count: rows * ld)
            c.withUnsafeMutableBufferPointer { cp in
                LaneGemm.gemmNN(m: m, n: width, depth: depth, alpha: 0.5, rowScale: scales,
                                a: a, aRows: .init(stride: lda, groupRows: rows, groupStride: depth), b: b, ldb: ldb,
                                c: cp.baseAddress!, cRows: .init(stride: ld, groupRows: rows, groupStride: width))
            }
            var written = Set<Int>()
            for g in 0..<groups {
                for r in 0..<rows {
                    for j in 0..<width {
                        var sum = 0.0, scale = 0.0
                        for p in 0..<depth {
                            let t = Double(a[r * lda + g * depth + p]) * Double(b[p * ldb + j])
                            sum += t
                            scale += abs(t)
                        }
                        let factor = 0.5 * Double(scales[g * rows + r])
                        let at = r * ld + g * width + j
                        written.insert(at)
                        XCTAssertEqual(Double(c[at]), sum * factor, accuracy: 1e-6 * max(scale * abs(factor), 1e-30),
                                       "head \(g) row \(r) column \(j) (\(rows)×\(groups)×\(width)×\(depth))")
                    }
                }
            }
            for i in c.indices where !written.contains(i) { XCTAssertTrue(c[i].isNaN, "entry \(i) outside the heads written") }
        }
    }

    /// Layouts whose rows would overlap are refused before anything is written (checked by the layout's
    /// own test: a precondition would stop the test process).
    func testOverlappingLayoutsAreRecognised() {
        XCTAssertTrue(LaneGemm.Rows.dense(64).disjoint(rows: 10, width: 64))
        XCTAssertFalse(LaneGemm.Rows.dense(63).disjoint(rows: 10, width: 64))
        XCTAssertTrue(LaneGemm.Rows.dense(1).disjoint(rows: 1, width: 64))
        // Three heads of 64 side by side in rows of 192: fits; in rows of 191 the last one spills over.
        XCTAssertTrue(LaneGemm.Rows(stride: 192, groupRows: 8, groupStride: 64).disjoint(rows: 24, width: 64))
        XCTAssertFalse(LaneGemm.Rows(stride: 191, groupRows: 8, groupStride: 64).disjoint(rows: 24, width: 64))
        XCTAssertFalse(LaneGemm.Rows(stride: 192, groupRows: 8, groupStride: 48).disjoint(rows: 24, width: 64))
        // Whole groups one after another: each must end before the next begins.
        XCTAssertTrue(LaneGemm.Rows(stride: 16, groupRows: 4, groupStride: 64).disjoint(rows: 8, width: 16))
        XCTAssertFalse(LaneGemm.Rows(stride: 16, groupRows: 4, groupStride: 63).disjoint(rows: 8, width: 16))
    }

    func testTransposeAgainstIndexing() {
        for (rows, columns) in [(1, 1), (15, 3), (16, 64), (37, 20), (512, 64)] {
            let lds = columns + 2, ldd = rows + 9
            let src = random(rows * lds)
            var dst = [Float](repeating: .nan, count: columns * ldd)
            dst.withUnsafeMutableBufferPointer { LaneGemm.transpose(src, rows: rows, columns: columns, lds: lds, into: $0.baseAddress!, ldd: ldd) }
            for c in 0..<columns {
                for r in 0..<ldd {
                    if r < rows { XCTAssertEqual(dst[c * ldd + r], src[r * lds + c]) } else { XCTAssertTrue(dst[c * ldd + r].isNaN) }
                }
            }
        }
    }

    /// The kernel is used exactly where the processor reports AVX-512 (F and VL), as /proc/cpuinfo lists it.
    func testAvailabilityFollowsTheProcessorsFlags() throws {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else {
            throw XCTSkip("no /proc/cpuinfo")
        }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        XCTAssertEqual(LaneGemm.available, flags.contains("avx512f") && flags.contains("avx512vl"))
    }
}
