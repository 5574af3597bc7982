/// bfloat16 as its 16 bits: the top half of a Float32 (sign, the same 8-bit exponent, 7 mantissa bits).
public enum BFloat16 {
    /// Rounds to the nearest bfloat16, ties to even (as PyTorch's `.to(torch.bfloat16)` and oneDNN's
    /// conversions do); NaN stays NaN (a quiet one).
    @inline(__always)
    public static func bits(_ x: Float) -> UInt16 {
        let b = x.bitPattern
        if x.isNaN { return UInt16(truncatingIfNeeded: b >> 16) | 0x40 }
        return UInt16(truncatingIfNeeded: (b &+ 0x7FFF &+ ((b >> 16) & 1)) >> 16)
    }

    /// The Float32 a bfloat16 stands for (exact: every bfloat16 is a Float32).
    @inline(__always)
    public static func float(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// `x` rounded to bfloat16 and widened back.
    @inline(__always)
    public static func rounded(_ x: Float) -> Float { float(bits(x)) }

    /// Rounds `count` floats into `dst`. No NaN test in the loop (it would stop vectorisation); a NaN
    /// input may come out as an infinity or another NaN, and a NaN activation is lost either way.
    public static func convert(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<UInt16>, count: Int) {
        src.withMemoryRebound(to: UInt32.self, capacity: count) { s in
            for i in 0..<count {
                let b = s[i]
                dst[i] = UInt16(truncatingIfNeeded: (b &+ 0x7FFF &+ ((b >> 16) & 1)) >> 16)
            }
        }
    }

    /// Rounds `rows` rows of `columns` floats (row stride `lda`) into a dense [rows, columns] buffer.
    public static func convert(rows: Int, columns: Int, _ src: UnsafePointer<Float>, lda: Int, _ dst: UnsafeMutablePointer<UInt16>) {
        if lda == columns { return convert(src, dst, count: rows * columns) }
        for r in 0..<rows { convert(src + r * lda, dst + r * columns, count: columns) }
    }
}

/// A row-major bfloat16 matrix that owns its storage: a weight held in half the memory of its Float32
/// form, for products that round their inputs to bfloat16 anyway.
public struct BF16Matrix: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    public let storage: HalfStorage

    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        storage = HalfStorage(count: rows * columns)
    }

    /// `m` rounded to bfloat16.
    public init(_ m: Matrix) {
        self.init(rows: m.rows, columns: m.columns)
        BFloat16.convert(m.pointer, storage.pointer, count: m.count)
    }

    public var count: Int { rows * columns }
    public var pointer: UnsafeMutablePointer<UInt16> { storage.pointer }

    public subscript(r: Int, c: Int) -> Float { BFloat16.float(storage.pointer[r * columns + c]) }

    /// The Float32 matrix of the same values (exact).
    public func widened() -> Matrix {
        let out = Matrix(rows: rows, columns: columns)
        for i in 0..<count { out.pointer[i] = BFloat16.float(pointer[i]) }
        return out
    }
}

/// bfloat16 matrix storage (the 16-bit patterns).
public typealias HalfStorage = AlignedStorage<UInt16>
