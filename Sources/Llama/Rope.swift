import Foundation

/// Rotary position embedding tables in Hugging Face's rotate-half convention: dimension i pairs with
/// i + d/2 and turns by position · θ^(−2i/d). Angles are formed in Float32 as transformers forms them.
struct RopeTable {
    let half: Int
    let cos: [Float]   // (positions, half)
    let sin: [Float]

    init(positions: Int, headDim: Int, theta: Double) {
        half = headDim / 2
        let inverse: [Float] = (0..<half).map { i in Float(1 / pow(theta, Double(2 * i) / Double(headDim))) }
        var c = [Float](repeating: 0, count: positions * half), s = c
        for p in 0..<positions {
            for i in 0..<half {
                let angle = Float(p) * inverse[i]
                c[p * half + i] = Foundation.cos(angle)
                s[p * half + i] = Foundation.sin(angle)
            }
        }
        cos = c
        sin = s
    }

    /// Rotates the first `heads` heads of every row of x [tokens, stride] in place (stride defaults to
    /// heads·headDim; a layer with pruned heads uses fewer than its buffer holds); row t at
    /// `positions[t]` when given (packed windows), else at position t.
    func apply(_ x: UnsafeMutablePointer<Float>, tokens: Int, heads: Int, stride: Int? = nil, positions: [Int32]? = nil) {
        let d = 2 * half, rowStride = stride ?? heads * d
        cos.withUnsafeBufferPointer { cosBuffer in
            sin.withUnsafeBufferPointer { sinBuffer in
                for t in 0..<tokens {
                    let p = positions.map { Int($0[t]) } ?? t
                    let c = cosBuffer.baseAddress! + p * half, s = sinBuffer.baseAddress! + p * half
                    for h in 0..<heads {
                        let a = x + t * rowStride + h * d, b = a + half
                        for i in 0..<half {
                            let x1 = a[i], x2 = b[i]
                            a[i] = x1 * c[i] - x2 * s[i]
                            b[i] = x2 * c[i] + x1 * s[i]
                        }
                    }
                }
            }
        }
    }
}
