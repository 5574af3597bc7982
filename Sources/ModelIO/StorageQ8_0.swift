import Foundation

/// llama.cpp's Q8_0 (ggml's quantize_row_q8_0_ref): blocks of 32 values, each block a float16 scale
/// d = max|x| / 127 followed by 32 signed bytes round(x / d), rounded half away from zero (roundf).
extension GGUFWriter.Storage {
    public static let q8_0 = Self(name: "q8_0", type: .q8_0, fileType: 7) { values, out in
        for start in stride(from: 0, to: values.count, by: 32) {
            let block = UnsafeBufferPointer(rebasing: values[start..<start + 32])
            var amax: Float = 0
            for v in block { amax = max(amax, abs(v)) }
            let d = amax / 127
            let id: Float = d != 0 ? 1 / d : 0
            out.appendHalf(d)
            // x·id is within ±127 up to rounding, so the clamp never changes a value; it only keeps a
            // NaN or infinite weight from trapping.
            for v in block {
                let q = (v * id).rounded(.toNearestOrAwayFromZero)
                out.append(UInt8(bitPattern: q.isFinite ? Int8(clamping: Int(q)) : 0))
            }
        }
    }
}
