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

/// 16-bit storage: bfloat16 or half bit patterns.
public typealias HalfStorage = AlignedStorage<UInt16>
