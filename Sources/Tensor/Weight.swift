#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a weight's numbers are stored.
public enum WeightType: String, Sendable, Codable {
    case f32, bf16, f16

    public var bytes: Int { self == .f32 ? 4 : 2 }
}

/// 16-bit numbers (bfloat16 or IEEE half) that a weight reads: owned, or borrowed from a read-only
/// memory map of a model file, which `owner` keeps alive. A model of a paper's size is used in place
/// this way instead of being widened to twice its size.
public final class HalfBuffer: @unchecked Sendable {
    public let pointer: UnsafePointer<UInt16>
    public let count: Int
    private let owned: HalfStorage?
    private let owner: AnyObject?

    public init(owning storage: HalfStorage) {
        owned = storage
        owner = nil
        pointer = UnsafePointer(storage.pointer)
        count = storage.count
    }

    public init(mapped pointer: UnsafePointer<UInt16>, count: Int, owner: AnyObject) {
        self.pointer = pointer
        self.count = count
        owned = nil
        self.owner = owner
    }

    public var isMapped: Bool { owned == nil }

    /// Hands the map's resident pages back to the kernel (they reload from the file if read again).
    /// For a run that has copied what it keeps of this weight: the peak memory then counts what the
    /// run holds, not every page it once read. Owned memory is left alone.
    public func releaseResidentPages() {
        guard isMapped, count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = Int(bitPattern: pointer), end = start + count * 2
        let first = (start + page - 1) / page * page, last = end / page * page
        guard last > first, let p = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(p, last - first, Int32(MADV_DONTNEED))
    }
}

/// A linear layer's weight, [out, in] row-major: Float32, or bfloat16 / half held as stored (owned or
/// mapped). Algorithms that need Float32 values ask for `matrix` (free for a Float32 weight, a widened
/// copy otherwise); the forward pass reads 16-bit weights directly or widens them a slice at a time.
public struct Weight: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    public let type: WeightType
    private let float: Matrix?
    public let half: HalfBuffer?

    public init(_ m: Matrix) {
        rows = m.rows
        columns = m.columns
        type = .f32
        float = m
        half = nil
    }

    public init(rows: Int, columns: Int, type: WeightType, half: HalfBuffer) {
        precondition(type != .f32 && half.count == rows * columns, "a \(type.rawValue) weight of \(rows)x\(columns) needs \(rows * columns) 16-bit values, got \(half.count)")
        self.rows = rows
        self.columns = columns
        self.type = type
        float = nil
        self.half = half
    }

    public var count: Int { rows * columns }
    public var bytes: Int { count * type.bytes }

    /// The Float32 values: the stored matrix itself for a Float32 weight (shared: do not write), a widened
    /// copy otherwise (every bfloat16 and half is exactly a Float32).
    public var matrix: Matrix {
        if let float { return float }
        let out = Matrix(rows: rows, columns: columns)
        widenRows(0..<rows, into: out.pointer)
        return out
    }

    /// A Float32 copy the caller may write.
    public func mutableCopy() -> Matrix { float?.copy() ?? matrix }

    /// Rows `range` as Float32, into `dst` (row stride `columns`).
    public func widenRows(_ range: Range<Int>, into dst: UnsafeMutablePointer<Float>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) outside a weight of \(rows) rows")
        let n = range.count * columns, offset = range.lowerBound * columns
        if let float { dst.update(from: float.pointer + offset, count: n); return }
        let src = half!.pointer + offset
        if type == .bf16 {
            for i in 0..<n { dst[i] = BFloat16.float(src[i]) }
        } else {
            for i in 0..<n { dst[i] = Float(Float16(bitPattern: src[i])) }
        }
    }

    /// One value (for tests and small reads).
    public subscript(r: Int, c: Int) -> Float {
        if let float { return float[r, c] }
        let bits = half!.pointer[r * columns + c]
        return type == .bf16 ? BFloat16.float(bits) : Float(Float16(bitPattern: bits))
    }

    /// The weight rounded to bfloat16 (itself when it is bfloat16 already): what bf16 products read.
    public func roundedToBF16() -> Weight {
        if type == .bf16 { return self }
        let out = HalfStorage(count: count)
        let chunk = max(1, (1 << 20) / max(columns, 1)), tmp = Matrix(rows: min(chunk, max(rows, 1)), columns: columns)
        for r0 in stride(from: 0, to: rows, by: chunk) {
            let r1 = min(rows, r0 + chunk)
            widenRows(r0..<r1, into: tmp.pointer)
            BFloat16.convert(tmp.pointer, out.pointer + r0 * columns, count: (r1 - r0) * columns)
        }
        return Weight(rows: rows, columns: columns, type: .bf16, half: HalfBuffer(owning: out))
    }

    /// A copy holding only the listed rows, in the order given, stored as this one is.
    public func selectingRows(_ keep: [Int]) -> Weight {
        if let float { return Weight(float.selectingRows(keep)) }
        let out = HalfStorage(count: keep.count * columns), src = half!.pointer
        for (i, r) in keep.enumerated() {
            precondition(r >= 0 && r < rows, "row \(r) outside a weight of \(rows) rows")
            (out.pointer + i * columns).update(from: src + r * columns, count: columns)
        }
        return Weight(rows: keep.count, columns: columns, type: type, half: HalfBuffer(owning: out))
    }

    /// A copy holding only the listed columns, in the order given, stored as this one is.
    public func selectingColumns(_ keep: [Int]) -> Weight {
        if let float { return Weight(float.selectingColumns(keep)) }
        let out = HalfStorage(count: rows * keep.count), src = half!.pointer
        for c in keep { precondition(c >= 0 && c < columns, "column \(c) outside a weight of \(columns) columns") }
        for r in 0..<rows {
            let s = src + r * columns, d = out.pointer + r * keep.count
            for (j, c) in keep.enumerated() { d[j] = s[c] }
        }
        return Weight(rows: rows, columns: keep.count, type: type, half: HalfBuffer(owning: out))
    }

    /// A copy with the listed rows set to zero, stored as this one is (zero is exact in every type).
    public func zeroingRows(_ zero: [Int]) -> Weight {
        if float != nil {
            let m = mutableCopy()
            for r in zero { m.row(r).update(repeating: 0, count: columns) }
            return Weight(m)
        }
        let out = HalfStorage(count: count)
        out.pointer.update(from: half!.pointer, count: count)
        for r in zero { (out.pointer + r * columns).update(repeating: 0, count: columns) }
        return Weight(rows: rows, columns: columns, type: type, half: HalfBuffer(owning: out))
    }

    /// See `HalfBuffer.releaseResidentPages`; nothing for owned weights.
    public func releaseResidentPages() { half?.releaseResidentPages() }
}
