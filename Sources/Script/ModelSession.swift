import Evaluation
import Foundation
import Llama
import ModelIO
import Pruning
import Tensor

/// One loaded model, measuring the cells of a sweep on it: the shared work (statistics, importances,
/// token ids) lives in a `PruningSession`; this adds the per-cell stage clock, metrics and saving.
final class ModelSession {
    let path: String
    let session: PruningSession
    var bundle: ModelBundle { session.bundle }

    /// The model load's time, reported with the first cell measured after it.
    private var loadSeconds: Double

    init(path: String, cache: StatisticsCache) throws {
        self.path = path
        session = try PruningSession(bundle: ModelBundle.load(path: path), cache: cache)
        loadSeconds = session.bundle.loadSeconds
    }

    /// Seconds spent in each stage since the last call, for the cell being measured.
    private var clock = StageClock()

    func measure(_ cell: Cell, resolve: (String) -> String, savePattern: String?, folder: URL,
                 stage announce: (String) -> Void, window: @escaping @Sendable (Int, Int) -> Void) throws -> CellMetrics {
        clock.reset()
        func stage(_ name: String) {
            clock.enter(name)
            announce(name)
        }
        let dense = session.dense
        var model = dense
        var kept: [String: Int] = [:]
        if !cell.isDense, let structure = cell.structure, let pipeline = cell.pipeline, let scorer = cell.scorer, let pruner = cell.pruner {
            _ = try session.mlps(structure, pipeline)
            var calibrated: PruningSession.Calibrated? = nil
            if var spec = cell.calibration {
                spec.path = resolve(spec.path)
                calibrated = try session.statistics(spec, structure: structure, computing: { stage("calibration") }, progress: window)
            }
            let importances = try session.importances(scorer, structure: structure, pipeline: pipeline, calibrated: calibrated,
                                                      computing: { stage("scoring") })
            stage("pruning")
            let pruned = try session.prune(importances, structure: structure, pipeline: pipeline, pruner: pruner, amount: cell.amount)
            model = pruned.model
            kept = pruned.keptRows
        }
        var metrics = CellMetrics(paramsTotal: ParameterCount.stored(dense), paramsNonzero: ParameterCount.nonzero(model),
                                  paramsStored: ParameterCount.stored(model), keptRows: kept, ffnWidths: model.config.intermediateSizes)
        if let evaluation = cell.evaluation {
            stage("evaluation")
            let r = try Perplexity.evaluate(model, ids: session.tokens(of: resolve(evaluation.text)),
                                            protocol: evaluation.perplexityProtocol, progress: window)
            metrics.ppl = r.ppl
            metrics.meanNLL = r.meanNLL
            metrics.windows = r.windows
            metrics.predictedTokens = r.predictedTokens
            metrics.evaluationSeconds = r.seconds
            metrics.tokensPerSecond = r.tokensPerSecond
        }
        if let pattern = savePattern, !cell.isDense {
            stage("saving")
            let name = SavePattern.fill(pattern, cell)
            let target = folder.appendingPathComponent(name).path
            try ModelExport.write(model, tokenizer: bundle.tokenizer, source: bundle.source, to: target)
            metrics.saved = name
        }
        clock.enter("")
        metrics.stageSeconds = clock.seconds
        if loadSeconds > 0 {
            metrics.stageSeconds?["load"] = loadSeconds
            loadSeconds = 0
        }
        return metrics
    }
}

/// `{scorer}`-style placeholders of a save pattern, filled with file-name-safe text.
enum SavePattern {
    static func fill(_ pattern: String, _ c: Cell) -> String {
        func safe(_ s: String) -> String {
            String(s.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" ? $0 : "_" })
                .replacingOccurrences(of: "__", with: "_").trimmingCharacters(in: CharacterSet(charactersIn: "_"))
        }
        let values: [String: String] = [
            "model": URL(fileURLWithPath: c.model).deletingPathExtension().lastPathComponent,
            "scorer": c.scorer.map { safe($0.description) } ?? "dense",
            "pruner": c.pruner.map { safe($0.description) } ?? "none",
            "pipeline": c.pipeline?.rawValue ?? "none",
            "amount": String(format: "%g", c.amount),
            "structure": c.structure.map { safe($0.chain.joined(separator: "-")) } ?? "none",
            "calibration": c.calibration.map { safe(URL(fileURLWithPath: $0.path).deletingPathExtension().lastPathComponent) } ?? "none",
        ]
        var out = pattern
        for (k, v) in values { out = out.replacingOccurrences(of: "{\(k)}", with: v) }
        return out
    }
}

/// Splits wall time between named stages: entering a stage ends the previous one.
struct StageClock {
    private(set) var seconds: [String: Double] = [:]
    private var current: (name: String, since: Date)?

    mutating func reset() {
        seconds = [:]
        current = nil
    }

    mutating func enter(_ name: String) {
        if let c = current { seconds[c.name, default: 0] += Date().timeIntervalSince(c.since) }
        current = name.isEmpty ? nil : (name, Date())
    }
}
