import Llama
import Tensor

/// The LLM-Rank procedure on a model: walk each MLP's modules in order, score each one, normalise its
/// scores to sum 1 (its importance), and pass that on as the next module's `previous`; then let a
/// pruner pick rows from the importances.
public enum LLMRank {
    /// Importances (each module's sums to 1) for every module of the structure.
    public static func importances(
        model: LlamaModel, statistics: CalibrationStatistics?, mlps: [[LinearModule]], scorer: any Scorer
    ) throws -> [LinearModule: [Double]] {
        var result: [LinearModule: [Double]] = [:]
        for mlp in mlps {
            var previous: [Double]? = nil
            for module in mlp {
                let weight = model.weights.layers[module.layer].weight(module.kind)
                let stats = statistics?[module]
                if stats == nil && type(of: scorer).needsStatistics {
                    throw PruningError("scorer \(type(of: scorer).name) needs calibration statistics for \(module.name)")
                }
                let inputs = stats?.input ?? []
                let outputs = stats?.output ?? []
                if let stats {
                    guard stats.input.count == weight.columns, stats.output.count == weight.rows else {
                        throw PruningError("calibration statistics of \(module.name) do not fit its weight [\(weight.rows), \(weight.columns)]")
                    }
                }
                // The first module's "previous importance" is its input statistic (uniform without one).
                let raw = previous ?? (inputs.isEmpty ? [Double](repeating: 1, count: weight.columns) : inputs)
                guard raw.count == weight.columns else {
                    throw PruningError("\(module.name) takes \(weight.columns) inputs but the module before it in the chain has \(raw.count) outputs")
                }
                let input = ScoringInput(weight: weight, previous: try normalised(raw, what: "input of \(module.name)"),
                                         inputNorms: inputs, outputNorms: outputs, module: module)
                let importance = try normalised(scorer.score(input), what: "\(type(of: scorer).name) scores of \(module.name)")
                result[module] = importance
                previous = importance
            }
        }
        return result
    }

    /// Rows to remove per module, MLP by MLP.
    public static func rowsToPrune(
        importances: [LinearModule: [Double]], mlps: [[LinearModule]], pruner: any Pruner, amount: Double
    ) throws -> [LinearModule: [Int]] {
        try checkAmount(amount)
        var result: [LinearModule: [Int]] = [:]
        for mlp in mlps {
            let rows = pruner.rowsToPrune(mlp.map { importances[$0]! }, amount: amount)
            for (m, r) in zip(mlp, rows) { result[m] = r }
        }
        return result
    }

    /// v / Σv, refusing negative, non-finite or all-zero scores (the reference asserts the same).
    static func normalised(_ v: [Double], what: String) throws -> [Double] {
        guard v.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw PruningError("\(what) contain negative or non-finite values") }
        let total = v.reduce(0, +)
        guard total > 0 else { throw PruningError("\(what) are all zero; they cannot be normalised") }
        return v.map { $0 / total }
    }
}
