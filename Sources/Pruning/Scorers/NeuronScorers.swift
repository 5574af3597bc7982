/// Scorers of whole FFN neurons from their real activation h = silu(gate(x))·up(x), which is what
/// down_proj reads: a neuron whose h is small, or which down_proj barely writes, can go. They score
/// the rows of gate_proj or up_proj (one row per neuron) and ignore the chain's previous importance.

/// neuron_norm: ‖h_j‖, the L2 norm of neuron j's activation over the calibration tokens.
public struct NeuronNormScorer: Scorer {
    public static let name = "neuron_norm"
    public static let needsStatistics = true
    public static let scoresNeurons = true

    public init(_ parameters: inout ParameterReader) throws {}

    public func score(_ x: ScoringInput) -> [Double] { x.neurons!.norm }
}

/// neuron_output: ‖h_j‖ · ‖W_down[:, j]‖, a bound on the size of what neuron j adds to the residual
/// stream over the calibration tokens.
public struct NeuronOutputScorer: Scorer {
    public static let name = "neuron_output"
    public static let needsStatistics = true
    public static let scoresNeurons = true

    public init(_ parameters: inout ParameterReader) throws {}

    public func score(_ x: ScoringInput) -> [Double] {
        let n = x.neurons!
        return zip(n.norm, n.downColumnNorms).map { $0 * $1 }
    }
}

/// fluctuation: FLAP's metric (An et al., arXiv 2312.11983): the sample variance of h_j over the
/// calibration tokens times ‖W_down[:, j]‖². A neuron whose activation barely varies is nearly a
/// constant, which a bias can stand in for (`reconstruct bias`), so it is cheap to remove.
public struct FluctuationScorer: Scorer {
    public static let name = "fluctuation"
    public static let needsStatistics = true
    public static let scoresNeurons = true

    public init(_ parameters: inout ParameterReader) throws {}

    public func score(_ x: ScoringInput) -> [Double] {
        let n = x.neurons!
        return zip(n.variance, n.downColumnNorms).map { $0 * $1 * $1 }
    }
}
