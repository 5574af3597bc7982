extension Dequantize {
    /// The block formats not handled inline by `run`: the legacy Q4_0/Q5_0/Q5_1 (`DequantizeLegacy.swift`)
    /// and the K-quants Q4_K/Q5_K/Q6_K (`DequantizeK.swift`). `s` holds `blocks` whole blocks of `type`.
    static func others(_ type: GGMLType, _ s: UnsafeRawPointer, _ d: UnsafeMutablePointer<Float>, blocks: Int) throws {
        guard let (per, bytes) = type.blockLayout else {
            throw ModelIOError("", "cannot dequantize tensor type \(type.name)")
        }
        // &* as in `run`: the offsets stay inside the buffers it checked.
        switch type {
        case .q4_0: for b in 0..<blocks { q4_0(s + b &* bytes, d + b &* per) }
        case .q5_0: for b in 0..<blocks { q5_0(s + b &* bytes, d + b &* per) }
        case .q5_1: for b in 0..<blocks { q5_1(s + b &* bytes, d + b &* per) }
        case .q4_K: for b in 0..<blocks { q4_K(s + b &* bytes, d + b &* per) }
        case .q5_K: for b in 0..<blocks { q5_K(s + b &* bytes, d + b &* per) }
        case .q6_K: for b in 0..<blocks { q6_K(s + b &* bytes, d + b &* per) }
        case .q8_0: for b in 0..<blocks { q8_0(s + b &* bytes, d + b &* per) }
        case .q4_1: for b in 0..<blocks { q4_1(s + b &* bytes, d + b &* per) }
        default: throw ModelIOError("", "cannot dequantize tensor type \(type.name)")
        }
    }
}
