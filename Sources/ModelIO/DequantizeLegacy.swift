// The legacy 32-value blocks. In every one, byte j of the nibble array holds value j in its low nibble
// and value j + 16 in its high nibble.
extension Dequantize {
    /// Q4_0 (18 bytes): half scale `d`, 16 bytes of nibbles; x = d·(q − 8).
    @inline(__always)
    static func q4_0(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        let q = (p + 2).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            out[j] = Float(Int32(q[j] & 0x0F) - 8) * d
            out[j + 16] = Float(Int32(q[j] >> 4) - 8) * d
        }
    }

    /// Q5_0 (22 bytes): half scale `d`, a little-endian 32-bit word `qh` whose bit i is the fifth bit of
    /// value i, 16 bytes of nibbles for the low four bits; x = d·(q − 16).
    @inline(__always)
    static func q5_0(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        let qh = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        let q = (p + 6).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            let lo = UInt32(q[j] & 0x0F) | (qh >> UInt32(j) & 1) << 4
            let hi = UInt32(q[j] >> 4) | (qh >> UInt32(j + 16) & 1) << 4
            out[j] = Float(Int32(lo) - 16) * d
            out[j + 16] = Float(Int32(hi) - 16) * d
        }
    }

    /// Q5_1 (24 bytes): half scale `d`, half minimum `m`, then `qh` and the nibbles as in Q5_0; x = d·q + m.
    @inline(__always)
    static func q5_1(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(p, 0), m = half(p, 2)
        let qh = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let q = (p + 8).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            let lo = UInt32(q[j] & 0x0F) | (qh >> UInt32(j) & 1) << 4
            let hi = UInt32(q[j] >> 4) | (qh >> UInt32(j + 16) & 1) << 4
            out[j] = Float(lo) * d + m
            out[j + 16] = Float(hi) * d + m
        }
    }
}
