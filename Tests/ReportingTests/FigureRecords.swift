import Evaluation
import Foundation
import Pruning
@testable import Reporting
@testable import Script

/// Hand-made result records for the figure tests: a scorer (nil for dense), an amount, a perplexity,
/// parameter counts and rows kept per layer.
enum FigureRecords {
    static func record(_ scorer: String?, amount: Double, ppl: Double, stored: Int = 800, seed: Int? = nil,
                       kept: [String: Int] = [:]) -> ResultRecord {
        let eval = EvaluationSetting(text: "eval.txt", seqlen: 512, windows: 12)
        let calibration = seed.map { CalibrationSpec(path: "data/calib.txt", samples: 8, seqlen: 128, seed: $0) }
        let cell = Cell(model: "m.gguf", calibration: calibration, structure: scorer == nil ? nil : PruningStructure(),
                        pipeline: scorer == nil ? nil : .chained, scorer: scorer.map { try! ComponentSpec.parse($0) },
                        pruner: scorer == nil ? nil : ComponentSpec(name: "global"), amount: amount, evaluation: eval)
        let inputs = CellInputs(cell: cell, modelSHA256: "aa", calibrationSHA256: seed == nil ? nil : "cc", evaluationSHA256: "bb", numerics: "n1")
        var metrics = CellMetrics(paramsTotal: 1000, paramsNonzero: stored, paramsStored: stored, keptRows: kept, ffnWidths: [])
        metrics.ppl = ppl
        metrics.meanNLL = log(ppl)
        metrics.windows = 12
        metrics.predictedTokens = 6132
        metrics.evaluationSeconds = 10
        metrics.tokensPerSecond = 500
        return ResultRecord(key: inputs.key, cell: cell, inputs: inputs, metrics: metrics, finishedAt: "2026-01-01T00:00:00Z", tool: "prune")
    }

    /// Rows kept by `mlp.up_proj` per layer, as a pruned model's metrics name them.
    static func upProj(_ byLayer: [Int: Int]) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: byLayer.map { ("model.layers.\($0.key).mlp.up_proj", $0.value) })
    }
}
