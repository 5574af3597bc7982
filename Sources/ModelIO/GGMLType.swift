/// ggml's tensor element types, with the block layout each is stored in.
public enum GGMLType: UInt32, Sendable, CaseIterable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22, iq4_xs = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30

    public var name: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .bf16: "BF16"
        case .f64: "F64"
        case .i8: "I8"
        case .i16: "I16"
        case .i32: "I32"
        case .i64: "I64"
        default: "\(self)".uppercased().replacingOccurrences(of: "_K", with: "_K")
        }
    }

    /// (elements per block, bytes per block) for the types this tool stores or dequantizes.
    public var blockLayout: (elements: Int, bytes: Int)? {
        switch self {
        case .f32: (1, 4)
        case .f16, .bf16: (1, 2)
        case .q4_0: (32, 18)
        case .q4_1: (32, 20)
        case .q5_0: (32, 22)
        case .q5_1: (32, 24)
        case .q8_0: (32, 34)
        case .q4_K: (256, 144)
        case .q5_K: (256, 176)
        case .q6_K: (256, 210)
        default: nil
        }
    }

    /// Bytes needed for `elements` values, or nil if the type is unsupported or the count is not whole blocks.
    public func byteCount(elements: Int) -> Int? {
        guard let (per, bytes) = blockLayout, elements % per == 0 else { return nil }
        return elements / per * bytes
    }
}
