import Foundation

/// The float formats: values stored one by one, rounded to nearest even (f16, bf16).
extension GGUFWriter.Storage {
    public static let f32 = Self(name: "f32", type: .f32, fileType: 0) { values, out in
        out.append(contentsOf: UnsafeRawBufferPointer(values))   // this tool runs on little-endian machines only
    }

    public static let f16 = Self(name: "f16", type: .f16, fileType: 1) { values, out in
        for v in values { out.appendHalf(v) }
    }

    /// ggml_compute_fp32_to_bf16: NaN made quiet, everything else rounded to nearest even.
    public static let bf16 = Self(name: "bf16", type: .bf16, fileType: 32) { values, out in
        for v in values {
            let bits = SafetensorsWriter.bfloat16Bits(v)
            out.append(UInt8(truncatingIfNeeded: bits))
            out.append(UInt8(truncatingIfNeeded: bits >> 8))
        }
    }
}
