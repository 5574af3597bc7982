import Tensor

/// obs(ridge: 0.001): the Optimal Brain Surgeon cost of neuron j for a refit down_proj (as ZipLM scores
/// structures): the output error that remains when neuron j alone is removed and the other neurons'
/// down_proj columns are refit by least squares,
///     ‖W_down[:, j]‖² / [(G + λI)⁻¹]_jj,  G = HᵀH,  λ = ridge · mean(diag G),
/// where 1 / [G⁻¹]_jj is the part of ‖h_j‖² the other neurons cannot reproduce. A neuron the others
/// can stand in for scores low even when its activation is large, which is what `reconstruct
/// least_squares` exploits. Needs each block's Gram matrix (the calibration accumulates it).
///
/// obs(greedy: true) removes neurons one at a time and refits the rest after each removal, with the
/// intercept `least_squares` fits (`GreedySurgeon.swift`): the order in which neurons go is the score.
///
/// Both are squared errors of the block's FFN output, in the residual stream's units, so they compare
/// across blocks (`global(scores: raw)`). `relative: output` divides a block's scores by its dense FFN
/// output energy Σ_t ‖W_down h_t‖² = trace(W_down G W_downᵀ), making them the share of the block's
/// output lost; within a block that changes no ranking.
public struct SurgeonScorer: Scorer {
    public static let name = "obs"
    public static let needsStatistics = true
    public static let scoresNeurons = true
    public static let needsGrams = true
    public let ridge: Double
    public let greedy: Bool
    /// Divide by the block's dense FFN output energy.
    public let relativeToOutput: Bool

    public var commonUnit: String? {
        relativeToOutput ? "share of the block's dense FFN output energy" : "squared error of the block's FFN output"
    }

    public init(_ parameters: inout ParameterReader) throws {
        ridge = try parameters.number("ridge", default: 0.001, in: 1e-9...100)
        greedy = try parameters.bool("greedy", default: false)
        relativeToOutput = try parameters.word("relative", default: "none", allowed: ["none", "output"]) == "output"
    }

    public func score(_ x: ScoringInput) throws -> [Double] {
        let costs = try absoluteScores(x)
        guard relativeToOutput else { return costs }
        let n = x.neurons!
        guard let down = n.down else { throw PruningError("obs(relative: output) needs block \(x.module.layer)'s down_proj") }
        let energy = Self.outputEnergy(gram: n.gram!, down: down)
        guard energy > 0, energy.isFinite else {
            throw PruningError("obs(relative: output): block \(x.module.layer)'s dense FFN output is zero on the calibration tokens")
        }
        return costs.map { $0 / energy }
    }

    /// Σ_t ‖W h_t‖² = trace(W G Wᵀ) = Σ_r,j W[r, j] (W G)[r, j], in Float64.
    static func outputEnergy(gram g: [Double], down: Matrix) -> Double {
        let d = down.rows, f = down.columns
        let w = doubleRows(down, Array(0..<d))
        var wg = [Double](repeating: 0, count: d * f)
        // G is symmetric, so W Gᵀ = W G.
        w.withUnsafeBufferPointer { pw in g.withUnsafeBufferPointer { pg in wg.withUnsafeMutableBufferPointer { pc in
            BLAS.dgemmNT(m: d, n: f, k: f, a: pw.baseAddress!, lda: f, b: pg.baseAddress!, ldb: f, c: pc.baseAddress!, ldc: f)
        } } }
        return zip(w, wg).reduce(0) { $0 + $1.0 * $1.1 }
    }

    func absoluteScores(_ x: ScoringInput) throws -> [Double] {
        let n = x.neurons!, g = n.gram!, f = n.norm.count
        if greedy {
            guard let down = n.down else { throw PruningError("obs(greedy: true) needs block \(x.module.layer)'s down_proj") }
            return try GreedySurgeon.scores(gram: g, sums: n.mean.map { $0 * Double(n.tokens) }, tokens: n.tokens, down: down, ridge: ridge)
        }
        var a = g
        let lambda = ridge * (0..<f).reduce(0) { $0 + g[$1 * f + $1] } / Double(max(f, 1))
        for i in 0..<f { a[i * f + i] += lambda }
        // A is positive definite once ridged.
        let inverse: [Double]
        do {
            inverse = try LAPACK.inverseSPD(a, n: f)
        } catch let e as LAPACK.NotPositiveDefinite {
            throw PruningError("obs: block \(x.module.layer)'s Gram matrix is singular (\(e)); give a larger ridge")
        }
        return (0..<f).map { j in
            let d = inverse[j * f + j]
            return d > 0 ? n.downColumnNorms[j] * n.downColumnNorms[j] / d : 0
        }
    }
}
