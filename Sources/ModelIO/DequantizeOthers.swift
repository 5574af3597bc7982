extension Dequantize {
    // Placeholder until the remaining block formats land (Q4_0, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K).
    static func others(_ type: GGMLType, _ s: UnsafeRawPointer, _ d: UnsafeMutablePointer<Float>, blocks: Int) throws {
        throw ModelIOError("", "cannot dequantize tensor type \(type.name) yet")
    }
}
