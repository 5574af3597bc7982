import Tensor

/// obs(ridge: 0.001): the Optimal Brain Surgeon cost of neuron j for a refit down_proj (as ZipLM scores
/// structures): the output error that remains when neuron j alone is removed and the other neurons'
/// down_proj columns are refit by least squares,
///     ‖W_down[:, j]‖² / [(G + λI)⁻¹]_jj,  G = HᵀH,  λ = ridge · mean(diag G),
/// where 1 / [G⁻¹]_jj is the part of ‖h_j‖² the other neurons cannot reproduce. A neuron the others
/// can stand in for scores low even when its activation is large, which is what `reconstruct
/// least_squares` exploits. Needs each block's Gram matrix (the calibration accumulates it).
public struct SurgeonScorer: Scorer {
    public static let name = "obs"
    public static let needsStatistics = true
    public static let scoresNeurons = true
    public static let needsGrams = true
    public let ridge: Double

    public init(_ parameters: inout ParameterReader) throws {
        ridge = try parameters.number("ridge", default: 0.001, in: 1e-9...100)
    }

    public func score(_ x: ScoringInput) -> [Double] {
        let n = x.neurons!, g = n.gram!, f = n.norm.count
        var a = g
        let lambda = ridge * (0..<f).reduce(0) { $0 + g[$1 * f + $1] } / Double(max(f, 1))
        for i in 0..<f { a[i * f + i] += lambda }
        // The inverse's columns, solving A X = I (A is positive definite once ridged).
        var inverse = [Double](repeating: 0, count: f * f)
        for i in 0..<f { inverse[i * f + i] = 1 }
        guard (try? LAPACK.solveSPD(&a, n: f, &inverse, nrhs: f)) != nil else { return n.norm.map { $0 * 0 + 1 } }
        return (0..<f).map { j in
            let d = inverse[j * f + j]
            return d > 0 ? n.downColumnNorms[j] * n.downColumnNorms[j] / d : 0
        }
    }
}
