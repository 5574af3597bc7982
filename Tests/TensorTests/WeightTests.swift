import Tensor
import XCTest

/// 16-bit weights against values decoded here, independently of the library.
final class WeightTests: XCTestCase {
    /// IEEE binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits; subnormals below exponent 1.
    func half(_ bits: UInt16) -> Float {
        let sign: Float = bits & 0x8000 != 0 ? -1 : 1
        let e = Int((bits >> 10) & 0x1F), m = Float(bits & 0x3FF)
        if e == 0 { return sign * m * pow(2, -24) }
        if e == 31 { return m == 0 ? sign * .infinity : .nan }
        return sign * (1 + m / 1024) * pow(2, Float(e - 15))
    }

    func weight(_ bits: [UInt16], rows: Int, columns: Int, _ type: WeightType) -> Weight {
        let storage = HalfStorage(count: bits.count)
        for (i, b) in bits.enumerated() { storage.pointer[i] = b }
        return Weight(rows: rows, columns: columns, type: type, half: HalfBuffer(owning: storage))
    }

    func testEveryHalfPatternWidens() {
        let bits = (0...UInt16.max).map { $0 }
        let w = weight(bits, rows: 256, columns: 256, .f16).matrix
        for (i, b) in bits.enumerated() {
            let expected = half(b)
            if expected.isNaN { XCTAssertTrue(w.pointer[i].isNaN, "\(b)") } else { XCTAssertEqual(w.pointer[i], expected, "\(b)") }
        }
    }

    func testEveryBFloat16PatternWidens() {
        let bits = (0...UInt16.max).map { $0 }
        let w = weight(bits, rows: 256, columns: 256, .bf16).matrix
        for (i, b) in bits.enumerated() { XCTAssertEqual(w.pointer[i].bitPattern, UInt32(b) << 16, "\(b)") }
    }

    func testSelectionsAndZeroingKeepTheStorage() {
        // 3 × 4, values 1...12 as bfloat16 (exact).
        let values: [Float] = (1...12).map(Float.init)
        let w = weight(values.map { UInt16($0.bitPattern >> 16) }, rows: 3, columns: 4, .bf16)
        let rows = w.selectingRows([2, 0])
        XCTAssertEqual(rows.type, .bf16)
        XCTAssertEqual(rows.matrix.values, [9, 10, 11, 12, 1, 2, 3, 4])
        let columns = w.selectingColumns([3, 1])
        XCTAssertEqual(columns.type, .bf16)
        XCTAssertEqual(columns.matrix.values, [4, 2, 8, 6, 12, 10])
        let zeroed = w.zeroingRows([1])
        XCTAssertEqual(zeroed.type, .bf16)
        XCTAssertEqual(zeroed.matrix.values, [1, 2, 3, 4, 0, 0, 0, 0, 9, 10, 11, 12])
        XCTAssertEqual(w.matrix.values, values, "the source is unchanged")
        XCTAssertTrue(w.roundedToBF16().half === w.half, "a bfloat16 weight is its own bfloat16 form")
    }

    /// Half to bfloat16 rounds to nearest even: 1 + 2⁻⁸ (a tie) goes down to 1, 1 + 3·2⁻⁸ up to 1 + 2⁻⁶.
    func testHalfRoundsToBFloat16() {
        let tie = Float16(1 + 1.0 / 256), up = Float16(1 + 3.0 / 256)
        let w = weight([tie.bitPattern, up.bitPattern], rows: 1, columns: 2, .f16).roundedToBF16()
        XCTAssertEqual(w.type, .bf16)
        XCTAssertEqual(w.matrix.values, [1, 1 + 1.0 / 64])
    }
}
