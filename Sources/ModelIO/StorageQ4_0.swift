import Foundation

/// llama.cpp's Q4_0 (ggml's quantize_row_q4_0_ref): blocks of 32 values, each a float16 scale
/// d = m / −8, where m is the value of largest magnitude with its sign (the first such), then 16 bytes
/// of 4-bit codes min(15, trunc(x / d + 8.5)); byte j holds value j in its low and value j + 16 in its
/// high nibble.
extension GGUFWriter.Storage {
    public static let q4_0 = Self(name: "q4_0", type: .q4_0, fileType: 2) { values, out in
        for start in stride(from: 0, to: values.count, by: 32) {
            let block = UnsafeBufferPointer(rebasing: values[start..<start + 32])
            var amax: Float = 0, signedMax: Float = 0
            for v in block where amax < abs(v) {
                amax = abs(v)
                signedMax = v
            }
            let d = signedMax / -8
            let id: Float = d != 0 ? 1 / d : 0
            out.appendHalf(d)
            func code(_ v: Float) -> UInt8 { nibble(v * id + 8.5) }
            for j in 0..<16 { out.append(code(block[j]) | code(block[j + 16]) << 4) }
        }
    }
}

/// A 4-bit code from an already offset value: truncated toward zero and capped at 15, as ggml's
/// MIN(15, (int8_t)(x)); the floor at 0 only matters for NaN or infinite weights.
@inline(__always)
func nibble(_ x: Float) -> UInt8 {
    guard x.isFinite, x > 0 else { return 0 }
    return UInt8(min(15, x.rounded(.towardZero)))
}
