/// Vectorised exp for Float32: Cody–Waite range reduction to r in [−ln2/2, ln2/2], a degree-6 minimax
/// polynomial for eʳ (the Cephes `expf` coefficients), and 2ⁿ built in the exponent bits. Relative error
/// is within a few ulp over the whole range; inputs below −87.3 give 0, above 88.7 give +inf.
public typealias Float8 = SIMD8<Float>

@inline(__always)
public func fastExp(_ x: Float8) -> Float8 {
    let lo: Float8 = .init(repeating: -87.33654), hi: Float8 = .init(repeating: 88.72283)
    var v = x.clamped(lowerBound: lo, upperBound: hi)
    let n = (v * 1.442695040888963).rounded(.toNearestOrEven)
    v = v - n * 0.693359375
    v = v - n * -2.12194440e-4
    var p: Float8 = .init(repeating: 1.9875691500e-4)
    p = p * v + 1.3981999507e-3
    p = p * v + 8.3334519073e-3
    p = p * v + 4.1665795894e-2
    p = p * v + 1.6666665459e-1
    p = p * v + 5.0000001201e-1
    p = p * (v * v) + v + 1
    // 2ⁿ: n + 127 in the exponent field. n lies in [−126, 128]; the clamp keeps 127 + n ≥ 1.
    let bits = (SIMD8<Int32>(n) &+ 127) &<< 23
    let scale = unsafeBitCast(bits.clamped(lowerBound: .init(repeating: 0), upperBound: .init(repeating: 0x7F80_0000)), to: Float8.self)
    var out = p * scale
    // Below the clamp the true value underflows to (sub)normal territory; report 0 there.
    out.replace(with: 0, where: x .< lo)
    out.replace(with: Float.infinity, where: x .> hi)
    return out
}

@inline(__always)
public func fastExp(_ x: Float) -> Float {
    fastExp(Float8(repeating: x))[0]
}

extension SIMD8 where Scalar == Float {
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Float8 {
        UnsafeRawPointer(p).loadUnaligned(as: Float8.self)
    }

    @inline(__always)
    func store(_ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: Float8.self)
    }
}
