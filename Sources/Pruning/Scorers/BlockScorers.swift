/// Scorers of whole decoder blocks (structure `blocks`) from how much each block changes the residual
/// stream on the calibration tokens (`BlockSimilarity`): a block whose output is nearly its input can go.

/// block_influence: ShortGPT's Block Influence (Men et al., arXiv 2403.03853),
/// BI_l = 1 − mean over tokens of cos(x_l, x_{l+1}), x_l the hidden state entering block l and x_{l+1}
/// the one leaving it, over every calibration token (not only the last).
public struct BlockInfluenceScorer: Scorer {
    public static let name = "block_influence"
    public static let needsStatistics = true
    public static let unit: UnitKind? = .block

    public init(_ parameters: inout ParameterReader) throws {}

    public func score(_ x: ScoringInput) -> [Double] { x.blocks!.cosine.map { max(0, 1 - $0) } }
}

/// angular_distance: Gromov et al.'s angular distance for one block (arXiv 2403.17887),
/// d_l = mean over tokens of arccos(cos(x_l, x_{l+1})) / π, over every calibration token (the paper
/// uses the last token of each sequence and compares blocks n apart; here n = 1, one block per unit).
public struct AngularDistanceScorer: Scorer {
    public static let name = "angular_distance"
    public static let needsStatistics = true
    public static let unit: UnitKind? = .block

    public init(_ parameters: inout ParameterReader) throws {}

    public func score(_ x: ScoringInput) -> [Double] { x.blocks!.angle }
}
