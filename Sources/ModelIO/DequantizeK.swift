// The K-quants: 256-value super-blocks split into sub-blocks, each with its own small integer scale
// (and, for Q4_K/Q5_K, minimum) that multiplies the super-block's half-float scale.
extension Dequantize {
    /// Scale and minimum of sub-block `j` (0..<8) from the 12 packed bytes of Q4_K/Q5_K: bytes 0–3 hold
    /// the low six bits of scales 0–3, bytes 4–7 those of mins 0–3; for j ≥ 4 the low four bits come from
    /// the nibbles of bytes 8–11 (scale low, min high) and the top two from bits 6–7 of bytes j−4 (scale)
    /// and j (min).
    @inline(__always)
    static func scaleMinK4(_ q: UnsafePointer<UInt8>, _ j: Int) -> (scale: Float, min: Float) {
        if j < 4 {
            return (Float(q[j] & 63), Float(q[j + 4] & 63))
        }
        let scale = (q[j + 4] & 0x0F) | (q[j - 4] >> 6) << 4
        let min = (q[j + 4] >> 4) | (q[j] >> 6) << 4
        return (Float(scale), Float(min))
    }

    /// Q4_K (144 bytes): half `d`, half `dmin`, 12 bytes of packed 6-bit scales/mins, 128 bytes of nibbles.
    /// Each 64 values use 32 bytes: low nibbles are sub-block 2i, high nibbles sub-block 2i+1;
    /// x = (d·scale)·q − dmin·min.
    @inline(__always)
    static func q4_K(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(p, 0), dmin = half(p, 2)
        let scales = (p + 4).assumingMemoryBound(to: UInt8.self)
        let qs = (p + 16).assumingMemoryBound(to: UInt8.self)
        for i in 0..<4 {
            let (s1, m1) = scaleMinK4(scales, 2 * i)
            let (s2, m2) = scaleMinK4(scales, 2 * i + 1)
            let d1 = d * s1, min1 = dmin * m1, d2 = d * s2, min2 = dmin * m2
            let q = qs + 32 * i, y = out + 64 * i
            for l in 0..<32 {
                y[l] = d1 * Float(q[l] & 0x0F) - min1
                y[l + 32] = d2 * Float(q[l] >> 4) - min2
            }
        }
    }

    /// Q5_K (176 bytes): as Q4_K, with 32 bytes `qh` after the scales: bit 2i of qh[l] is the fifth bit of
    /// value 64i + l, bit 2i+1 that of value 64i + 32 + l; then 128 bytes of nibbles.
    @inline(__always)
    static func q5_K(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(p, 0), dmin = half(p, 2)
        let scales = (p + 4).assumingMemoryBound(to: UInt8.self)
        let qh = (p + 16).assumingMemoryBound(to: UInt8.self)
        let qs = (p + 48).assumingMemoryBound(to: UInt8.self)
        for i in 0..<4 {
            let (s1, m1) = scaleMinK4(scales, 2 * i)
            let (s2, m2) = scaleMinK4(scales, 2 * i + 1)
            let d1 = d * s1, min1 = dmin * m1, d2 = d * s2, min2 = dmin * m2
            let q = qs + 32 * i, y = out + 64 * i
            let lowBit = UInt8(2 * i), highBit = UInt8(2 * i + 1)
            for l in 0..<32 {
                let a = q[l] & 0x0F | (qh[l] >> lowBit & 1) << 4
                let b = q[l] >> 4 | (qh[l] >> highBit & 1) << 4
                y[l] = d1 * Float(a) - min1
                y[l + 32] = d2 * Float(b) - min2
            }
        }
    }

    /// Q6_K (210 bytes): 128 bytes `ql` (low four bits), 64 bytes `qh` (top two bits), 16 signed 8-bit
    /// scales (one per 16 values), then the half `d` at the end. Each half of 128 values uses 64 bytes of
    /// ql and 32 of qh: for l < 32, values l, l+32, l+64, l+96 take the low nibble of ql[l], of ql[l+32],
    /// the high nibble of ql[l], of ql[l+32], and bits 0–1, 2–3, 4–5, 6–7 of qh[l]; x = (d·scale)·(q − 32).
    @inline(__always)
    static func q6_K(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let ql0 = p.assumingMemoryBound(to: UInt8.self)
        let qh0 = (p + 128).assumingMemoryBound(to: UInt8.self)
        let sc0 = (p + 192).assumingMemoryBound(to: Int8.self)
        let d = half(p, 208)
        for n in 0..<2 {
            let ql = ql0 + 64 * n, qh = qh0 + 32 * n, sc = sc0 + 8 * n, y = out + 128 * n
            for l in 0..<32 {
                let s = l / 16
                let q1 = Int32(ql[l] & 0x0F | (qh[l] & 3) << 4) - 32
                let q2 = Int32(ql[l + 32] & 0x0F | (qh[l] >> 2 & 3) << 4) - 32
                let q3 = Int32(ql[l] >> 4 | (qh[l] >> 4 & 3) << 4) - 32
                let q4 = Int32(ql[l + 32] >> 4 | (qh[l] >> 6 & 3) << 4) - 32
                y[l] = d * Float(sc[s]) * Float(q1)
                y[l + 32] = d * Float(sc[s + 2]) * Float(q2)
                y[l + 64] = d * Float(sc[s + 4]) * Float(q3)
                y[l + 96] = d * Float(sc[s + 6]) * Float(q4)
            }
        }
    }
}
