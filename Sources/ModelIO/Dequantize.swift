/// Conversion of ggml's storage types to Float32, block by block, following the block layouts of
/// ggml's `ggml-common.h` (scales are IEEE half floats, quants are packed little-endian).
public enum Dequantize {
    /// Fills `dst` with the values stored in `src` as `type`. `dst.count` must be a whole number of blocks
    /// and `src` exactly the bytes that many values take.
    public static func run(_ type: GGMLType, from src: UnsafeRawBufferPointer, into dst: UnsafeMutableBufferPointer<Float>) throws {
        guard let (per, bytes) = type.blockLayout else {
            throw ModelIOError("", "cannot dequantize tensor type \(type.name)")
        }
        precondition(dst.count % per == 0 && src.count == dst.count / per * bytes, "dequantize: size mismatch")
        let blocks = dst.count / per
        guard let s = src.baseAddress, let d = dst.baseAddress else { return }
        // Offsets use &*: i < dst.count and b < blocks, so they stay within the sizes the precondition
        // matched; an overflow check per value or block cost 5 % of dequantization.
        switch type {
        case .f32:
            for i in 0..<dst.count { d[i] = Float(bitPattern: UInt32(littleEndian: s.loadUnaligned(fromByteOffset: 4 &* i, as: UInt32.self))) }
        case .f16:
            for i in 0..<dst.count { d[i] = half(s, 2 &* i) }
        case .bf16:
            for i in 0..<dst.count { d[i] = Float(bitPattern: UInt32(UInt16(littleEndian: s.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self))) << 16) }
        case .q8_0:
            for b in 0..<blocks { q8_0(s + b &* bytes, d + b &* per) }
        case .q4_1:
            for b in 0..<blocks { q4_1(s + b &* bytes, d + b &* per) }
        default:
            try others(type, s, d, blocks: blocks)
        }
    }

    /// An IEEE half float stored little-endian at `offset`.
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))))
    }

    /// Q8_0: a half scale `d`, then 32 signed bytes; x = d·q.
    @inline(__always)
    static func q8_0(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        let q = (p + 2).assumingMemoryBound(to: Int8.self)
        for j in 0..<32 { out[j] = d * Float(q[j]) }
    }

    /// Q4_1: half scale `d`, half minimum `m`, 16 bytes of nibbles; low nibbles are values 0..<16, high 16..<32.
    @inline(__always)
    static func q4_1(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(p, 0), m = half(p, 2)
        let q = (p + 4).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            out[j] = Float(q[j] & 0x0F) * d + m
            out[j + 16] = Float(q[j] >> 4) * d + m
        }
    }
}
