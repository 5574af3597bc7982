/// Scorers of key/value head groups (structure `attention.heads`) from o_proj's input over the
/// calibration tokens: its channels are the query heads' outputs side by side, so a group's channels
/// are exactly what the group contributes before o_proj mixes it into the residual stream.

/// head_norm: ‖x_g‖ = √(Σ_{c ∈ g} ‖x_c‖²), the L2 norm of group g's slice of o_proj's input over the
/// calibration tokens (the output norm of its query heads; the magnitude criterion for heads of
/// LLM-Pruner's and FLAP's baselines, arXiv 2305.11627, 2312.11983).
public struct HeadNormScorer: Scorer {
    public static let name = "head_norm"
    public static let needsStatistics = true
    public static let unit: UnitKind? = .head

    public init(_ parameters: inout ParameterReader) throws {}

    public func score(_ x: ScoringInput) -> [Double] {
        let h = x.heads!
        return (0..<h.groups).map { g in h.range(g).reduce(0.0) { $0 + h.channelNorms[$1] * h.channelNorms[$1] }.squareRoot() }
    }
}

/// head_output: Σ_{c ∈ g} ‖x_c‖ · ‖W_o[:, c]‖, the neuron_output criterion (Wanda's |W|·‖x‖ per input
/// channel, arXiv 2306.11695) summed over the group's o_proj input channels: a bound on how much the
/// group writes to the residual stream over the calibration tokens.
public struct HeadOutputScorer: Scorer {
    public static let name = "head_output"
    public static let needsStatistics = true
    public static let unit: UnitKind? = .head

    public init(_ parameters: inout ParameterReader) throws {}

    public func score(_ x: ScoringInput) -> [Double] {
        let h = x.heads!
        return (0..<h.groups).map { g in h.range(g).reduce(0.0) { $0 + h.channelNorms[$1] * h.outputColumnNorms[$1] } }
    }
}

/// head_fluctuation: FLAP's fluctuation metric for heads (An et al., arXiv 2312.11983), summed over the
/// group's o_proj input channels: Σ_{c ∈ g} var(x_c) · ‖W_o[:, c]‖², with var the sample variance over
/// the calibration tokens. A group whose output barely varies is nearly a constant, which a bias could
/// stand in for.
public struct HeadFluctuationScorer: Scorer {
    public static let name = "head_fluctuation"
    public static let needsStatistics = true
    public static let unit: UnitKind? = .head

    public init(_ parameters: inout ParameterReader) throws {}

    public func score(_ x: ScoringInput) -> [Double] {
        let h = x.heads!
        return (0..<h.groups).map { g in
            h.range(g).reduce(0.0) { $0 + h.channelVariance[$1] * h.outputColumnNorms[$1] * h.outputColumnNorms[$1] }
        }
    }
}
