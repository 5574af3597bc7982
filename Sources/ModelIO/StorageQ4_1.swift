import Foundation

/// llama.cpp's Q4_1 (ggml's quantize_row_q4_1_ref): blocks of 32 values, each a float16 scale
/// d = (max − min) / 15 and a float16 minimum, then 16 bytes of 4-bit codes
/// min(15, trunc((x − min) / d + 0.5)); byte j holds value j in its low and value j + 16 in its high nibble.
extension GGUFWriter.Storage {
    public static let q4_1 = Self(name: "q4_1", type: .q4_1, fileType: 3) { values, out in
        for start in stride(from: 0, to: values.count, by: 32) {
            let block = UnsafeBufferPointer(rebasing: values[start..<start + 32])
            var lo = Float.greatestFiniteMagnitude, hi = -Float.greatestFiniteMagnitude
            for v in block {
                lo = min(lo, v)
                hi = max(hi, v)
            }
            let d = (hi - lo) / 15
            let id: Float = d != 0 ? 1 / d : 0
            out.appendHalf(d)
            out.appendHalf(lo)
            func code(_ v: Float) -> UInt8 { nibble((v - lo) * id + 0.5) }
            for j in 0..<16 { out.append(code(block[j]) | code(block[j + 16]) << 4) }
        }
    }
}
