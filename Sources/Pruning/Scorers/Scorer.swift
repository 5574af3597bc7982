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
    func score(_ input: ScoringInput) -> [Double]
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
