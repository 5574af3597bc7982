import Llama
import Tensor

/// What a scorer sees for one module of an MLP (LLM-Rank's `BaseScorer.iterate`).
public struct ScoringInput {
    /// The module's weight W, [out, in]; scorers use |W|.
    public let weight: Matrix
    /// The previous module's importance, or the first module's input statistic, normalised to sum 1.
    public let previous: [Double]
    /// Per-input-channel L2 norm of the module's input over the calibration tokens.
    public let inputNorms: [Double]
    /// Per-output-channel L2 norm of the module's output over the calibration tokens.
    public let outputNorms: [Double]
    public let module: LinearModule
    /// For a module whose rows are FFN neurons (gate_proj, up_proj): statistics of the neurons' real
    /// activation h = silu(gate)·up, and down_proj's column norms. nil for other modules.
    public var neurons: NeuronInputs? = nil
    /// For a head scorer: one block's key/value head groups, seen through o_proj's input. nil otherwise.
    public var heads: HeadInputs? = nil
    /// For a block scorer: every block's similarity of input and output hidden states (one score per
    /// block; `weight` and `module` are then the first block's o_proj, unused). nil otherwise.
    public var blocks: BlockSimilarity? = nil

    public init(weight: Matrix, previous: [Double], inputNorms: [Double], outputNorms: [Double], module: LinearModule,
                neurons: NeuronInputs? = nil, heads: HeadInputs? = nil, blocks: BlockSimilarity? = nil) {
        self.heads = heads
        self.blocks = blocks
        self.weight = weight
        self.previous = previous
        self.inputNorms = inputNorms
        self.outputNorms = outputNorms
        self.module = module
        self.neurons = neurons
    }
}

/// What neuron scorers see of one block's FFN neurons j: ‖h_j‖ over the calibration tokens, the mean
/// and sample variance of h_j, and ‖W_down[:, j]‖ (how strongly the neuron writes to the residual stream).
public struct NeuronInputs: Sendable {
    public let norm: [Double]
    public let mean: [Double]
    public let variance: [Double]
    public let downColumnNorms: [Double]
    /// The block's Gram matrix G = HᵀH of the activations ([width, width], row-major), for scorers
    /// that declare `needsGrams`; nil otherwise.
    public var gram: [Double]? = nil
    /// With the Gram matrix: the block's dense down_proj [hidden, width] and the calibration token count
    /// (for scorers that refit down_proj as they remove neurons).
    public var down: Matrix? = nil
    public var tokens: Int = 0

    public init(norm: [Double], mean: [Double], variance: [Double], downColumnNorms: [Double], gram: [Double]? = nil) {
        self.norm = norm
        self.mean = mean
        self.variance = variance
        self.downColumnNorms = downColumnNorms
        self.gram = gram
    }
}

/// What head scorers see of one block's key/value head groups g (each `channels` consecutive input
/// channels of o_proj: the outputs of the group's query heads side by side): ‖x_c‖ and the variance of
/// x_c over the calibration tokens for every o_proj input channel c, and ‖W_o[:, c]‖ (how strongly channel c writes to the
/// residual stream).
public struct HeadInputs: Sendable {
    public let groups: Int
    public let channels: Int
    public let channelNorms: [Double]
    public let outputColumnNorms: [Double]
    /// Sample variance of each channel x_c over the calibration tokens.
    public let channelVariance: [Double]

    public init(groups: Int, channels: Int, channelNorms: [Double], outputColumnNorms: [Double], channelVariance: [Double]) {
        self.groups = groups
        self.channels = channels
        self.channelNorms = channelNorms
        self.outputColumnNorms = outputColumnNorms
        self.channelVariance = channelVariance
    }

    /// The channels of group g.
    public func range(_ g: Int) -> Range<Int> { g * channels..<(g + 1) * channels }
}

/// Scores every output row of a module; larger means more important. The pipeline normalises each
/// module's scores to sum 1 (that is the module's importance) and feeds them to the next module.
public protocol Scorer: Sendable {
    /// The name scripts and the command line use.
    static var name: String { get }
    /// Builds the scorer from its written parameters (unknown or out-of-range ones are errors).
    init(_ parameters: inout ParameterReader) throws
    /// Whether scores depend on calibration statistics (so a run without them can refuse early).
    static var needsStatistics: Bool { get }
    /// Whether it scores FFN neurons from `ScoringInput.neurons` (so it applies only to gate/up rows).
    static var scoresNeurons: Bool { get }
    /// Whether it reads each block's Gram matrix (`NeuronInputs.gram`), which calibration then accumulates.
    static var needsGrams: Bool { get }
    /// The coupled unit it scores (`head` from `ScoringInput.heads`, `block` from `.blocks`), or nil
    /// for a scorer of rows (and neurons).
    static var unit: UnitKind? { get }
    /// Whether it scores every kind of unit on one scale, so the units of a mix
    /// (`mlp.neurons + attention.heads + blocks`) can compete; such a scorer scores only mixes.
    static var scoresMixes: Bool { get }
    /// What its scores measure when that unit is shared by every block (so a pruner may compare them
    /// across blocks as they are, `global(scores: raw)`); nil when they compare only within a module.
    var commonUnit: String? { get }
    func score(_ input: ScoringInput) throws -> [Double]
}

extension Scorer {
    public static var scoresNeurons: Bool { false }
    public static var needsGrams: Bool { false }
    public static var unit: UnitKind? { nil }
    public static var scoresMixes: Bool { false }
    public var commonUnit: String? { nil }
}

/// The scorers the tool knows. A new scorer is one new type plus one line here.
public enum ScorerRegistry {
    public static let all: [any Scorer.Type] = [
        NormScorer.self,
        RandomScorer.self,
        ActivationScorer.self,
        WandaScorer.self,
        WeightedPageRankScorer.self,
        ModifiedPageRankScorer.self,
        NeuronNormScorer.self,
        NeuronOutputScorer.self,
        FluctuationScorer.self,
        SurgeonScorer.self,
        HeadNormScorer.self,
        HeadOutputScorer.self,
        HeadFluctuationScorer.self,
        HeadRankScorer.self,
        BlockInfluenceScorer.self,
        AngularDistanceScorer.self,
        ContributionScorer.self,
    ]

    public static var names: [String] { all.map { $0.name } }

    public static func make(_ spec: ComponentSpec) throws -> any Scorer {
        guard let type = all.first(where: { $0.name == spec.name }) else {
            throw PruningError("unknown scorer `\(spec.name)`; known scorers: \(names.joined(separator: ", "))")
        }
        var reader = ParameterReader(spec)
        let scorer = try type.init(&reader)
        try reader.finish()
        return scorer
    }
}

/// |W| · v for a [rows, columns] weight, in Float64.
func absTimes(_ w: Matrix, _ v: [Double]) -> [Double] {
    var out = [Double](repeating: 0, count: w.rows)
    for r in 0..<w.rows {
        let row = w.row(r)
        var s = 0.0
        for c in 0..<w.columns { s += Double(abs(row[c])) * v[c] }
        out[r] = s
    }
    return out
}
