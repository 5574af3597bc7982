import Evaluation
import Foundation
import Llama
import ModelIO
import Pruning
import Tensor

/// One loaded model and what cells on it share: calibration statistics per (calibration, structure),
/// importances per (calibration, structure, pipeline, scorer), token ids per evaluation text.
final class ModelSession {
    let path: String
    let bundle: ModelBundle
    let cache: StatisticsCache
    private var statistics: [String: CalibrationStatistics] = [:]
    private var importances: [String: [LinearModule: [Double]]] = [:]
    private var texts: [String: [Int32]] = [:]
    private lazy var modelSHA: String? = try? ContentHash.path(path)

    /// The model load's time, reported with the first cell measured after it.
    private var loadSeconds: Double

    init(path: String, cache: StatisticsCache) throws {
        self.path = path
        bundle = try ModelBundle.load(path: path)
        loadSeconds = bundle.loadSeconds
        self.cache = cache
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
        let dense = bundle.model
        var model = dense
        var kept: [String: Int] = [:]
        if !cell.isDense, let structure = cell.structure, let pipeline = cell.pipeline, let scorerSpec = cell.scorer, let prunerSpec = cell.pruner {
            let blocks = try structure.resolve(dense.config)
            let mlps = try pipeline.checkedMLPs(blocks, config: dense.config)
            var stats: CalibrationStatistics? = nil
            var resolvedCalibration = cell.calibration
            resolvedCalibration?.path = resolve(cell.calibration?.path ?? "")
            if let spec = resolvedCalibration {
                let statsKey = "\(spec)|\(structure)"
                if let hit = statistics[statsKey] {
                    stats = hit
                } else {
                    stage("calibration")
                    let windows = try CalibrationData.windows(spec, tokenizer: bundle.tokenizer)
                    let modules = Set(blocks.joined())
                    let key = StatisticsCache.Key(modelSHA256: modelSHA ?? "", tokensSHA256: ContentHash.tokens(windows), modules: modules.map(\.name))
                    if let cached = cache.load(key) {
                        stats = cached
                    } else {
                        stats = CalibrationRun.statistics(dense, windows: windows, modules: modules, progress: window)
                        try? cache.store(stats!, for: key)
                    }
                    statistics[statsKey] = stats
                }
            }
            let importanceKey = "\(String(describing: resolvedCalibration))|\(structure)|\(pipeline)|\(scorerSpec)"
            if importances[importanceKey] == nil {
                stage("scoring")
                importances[importanceKey] = try LLMRank.importances(model: dense, statistics: stats, mlps: mlps, scorer: ScorerRegistry.make(scorerSpec))
            }
            stage("pruning")
            let removed = try LLMRank.rowsToPrune(importances: importances[importanceKey]!, mlps: mlps,
                                                  pruner: PrunerRegistry.make(prunerSpec), amount: cell.amount)
            model = ApplyPruning.shrunk(dense, removing: removed)
            for m in blocks.joined() { kept[m.name] = dense.weights.layers[m.layer].weight(m.kind).rows - (removed[m]?.count ?? 0) }
        }
        var metrics = CellMetrics(paramsTotal: ParameterCount.stored(dense), paramsNonzero: ParameterCount.nonzero(model),
                                  paramsStored: ParameterCount.stored(model), keptRows: kept, ffnWidths: model.config.intermediateSizes)
        if let evaluation = cell.evaluation {
            stage("evaluation")
            let text = resolve(evaluation.text)
            if texts[text] == nil { texts[text] = bundle.tokenizer.encode(try TextFile.read(text)) }
            let r = try Perplexity.evaluate(model, ids: texts[text]!, protocol: evaluation.perplexityProtocol, progress: window)
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
