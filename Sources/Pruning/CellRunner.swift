import Evaluation
import Foundation
import Llama
import ModelIO
import Tensor

/// The one way a cell is computed, shared by `prune prune` and `.prune` scripts: on a loaded model,
/// calibrate (statistics cached, verified) → score → select rows → shrink → evaluate → save with its
/// record. It reports the digest of every input it read, so a caller can prove what a result came from.
public final class CellRunner: @unchecked Sendable {
    public enum Stage: String, Sendable, CaseIterable { case load, calibration, scoring, pruning, reconstruction, evaluation, saving }

    /// The SHA-256 of the bytes each input of a cell was computed from.
    public struct InputsRead: Sendable, Equatable {
        public var model: String
        public var calibrationFile: String?
        public var calibrationTokens: String?
        public var evaluationText: String?
    }

    /// What a cell computed.
    public struct Outcome {
        public var metrics: CellMetrics
        public var read: InputsRead
        public var pruned: PruningSession.Pruned?
        public var calibrated: PruningSession.Calibrated?
        public var perplexity: PerplexityResult?
        public var saved: ModelExport.Summary?
    }

    public let session: PruningSession
    public var path: String { session.bundle.path }
    /// The model load's time, reported with the first cell run after it.
    private var pendingLoadSeconds: Double

    public init(modelPath: String, cache: StatisticsCache?) throws {
        session = PruningSession(bundle: try ModelBundle.load(path: modelPath), cache: cache)
        pendingLoadSeconds = session.bundle.loadSeconds
    }

    /// A pruning already computed for the same model, calibration and settings (a stored cell that
    /// differs only in its evaluation): its kept rows, and the digests of the calibration it came from.
    public struct StoredPruning: Sendable {
        public var keptRowMasks: [String: String]
        public var calibrationFile: String?
        public var calibrationTokens: String?

        public init(keptRowMasks: [String: String], calibrationFile: String?, calibrationTokens: String?) {
            self.keptRowMasks = keptRowMasks
            self.calibrationFile = calibrationFile
            self.calibrationTokens = calibrationTokens
        }
    }

    /// Runs `cell` on this runner's model. `saveTo` writes the pruned model there (a `.gguf` file with a
    /// `.pruning.json` beside it, or a Hugging Face folder with `pruning.json` inside). With `stored`,
    /// the rows a stored cell kept are removed again, and nothing is calibrated or scored.
    public func run(_ cell: Cell, saveTo: String? = nil, saveAs dtype: ModelExport.DType = .f32, stored: StoredPruning? = nil, stage announce: (Stage) -> Void = { _ in },
                    progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Outcome {
        var clock = StageClock()
        func stage(_ s: Stage) {
            clock.enter(s.rawValue)
            announce(s)
        }
        session.use(cell.precision ?? .f32)
        let dense = session.dense
        var read = InputsRead(model: session.modelSHA256)
        var model = dense
        var pruned: PruningSession.Pruned? = nil
        var calibrated: PruningSession.Calibrated? = nil
        if !cell.isDense {
            guard let structure = cell.structure, let pipeline = cell.pipeline, let scorer = cell.scorer, let pruner = cell.pruner else {
                throw PruningError("a pruned cell needs a structure, a pipeline, a scorer and a pruner")
            }
            let mlps = try session.mlps(structure, pipeline).mlps
            try PrunerRegistry.checkScores(pruner: pruner, scorer: scorer, structure: structure, pipeline: pipeline)
            let spared = try PrunerRegistry.make(pruner).spared
            if !spared.isEmpty, stored == nil {
                // Refused from the model's shapes now, not after a calibration pass.
                try checkAmount(cell.amount)
                _ = try LLMRank.sparedShare(mlps: mlps, rows: { dense.config.shape(of: $0.kind, layer: $0.layer).rows }, spared: spared, amount: cell.amount)
            }
            let method = try cell.reconstruction.map { spec -> any Reconstructor in
                try ReconstructorRegistry.check(spec, structure: structure)
                return try ReconstructorRegistry.make(spec)
            }
            if method != nil && cell.calibration == nil {
                throw PruningError("reconstruct \(cell.reconstruction!.name) needs calibration data")
            }
            if let stored {
                stage(.pruning)
                let p = try session.prune(keeping: stored.keptRowMasks, structure: structure)
                read.calibrationFile = stored.calibrationFile
                read.calibrationTokens = stored.calibrationTokens
                model = p.model
                pruned = p
            }
            // A stored pruning skips calibration unless a reconstruction needs its statistics.
            if let spec = cell.calibration, stored == nil || method != nil {
                let scorerGrams = ScorerRegistry.all.first { $0.name == scorer.name }?.needsGrams ?? false
                calibrated = try session.statistics(spec, structure: structure, grams: (method?.needs.grams ?? false) || (scorerGrams && stored == nil),
                                                    computing: { stage(.calibration) }, progress: progress)
                read.calibrationFile = calibrated?.fileSHA256
                read.calibrationTokens = calibrated?.tokensSHA256
            }
            if pruned == nil, structure.isMixed {
                let scores = try session.mixedScores(scorer, structure: structure, calibration: cell.calibration, calibrated: calibrated,
                                                     computing: { stage(.scoring) }, progress: progress)
                stage(.pruning)
                let p = try session.pruneMixed(scores, structure: structure, pruner: pruner, amount: cell.amount)
                model = p.model
                pruned = p
            }
            if pruned == nil, structure.unit != nil {
                let importances = try session.unitImportances(scorer, structure: structure, calibration: cell.calibration, calibrated: calibrated,
                                                              computing: { stage(.scoring) }, progress: progress)
                stage(.pruning)
                let p = try session.pruneUnits(importances, structure: structure, pipeline: pipeline, pruner: pruner, amount: cell.amount)
                model = p.model
                pruned = p
            }
            if pruned == nil {
                let raw = try PrunerRegistry.make(pruner).comparesRawScores
                let importances = try session.importances(scorer, structure: structure, pipeline: pipeline, calibrated: calibrated, raw: raw,
                                                          computing: { stage(.scoring) })
                stage(.pruning)
                let p = try session.prune(importances, structure: structure, pipeline: pipeline, pruner: pruner, amount: cell.amount)
                model = p.model
                pruned = p
            }
            if let spec = cell.reconstruction, let calibration = cell.calibration, let calibrated, var p = pruned {
                stage(.reconstruction)
                p = try session.reconstruct(p, with: spec, structure: structure, calibration: calibration, calibrated: calibrated,
                                                  progress: progress)
                model = p.model
                pruned = p
            }
        }
        var metrics = CellMetrics(paramsTotal: ParameterCount.stored(dense), paramsNonzero: ParameterCount.nonzero(model),
                                  paramsStored: ParameterCount.stored(model), keptRows: pruned?.keptRows ?? [:],
                                  ffnWidths: model.config.intermediateSizes)
        if let p = pruned {
            var masks: [String: String] = [:]
            for (name, kept) in p.keptIndices { masks[name] = RowMask.encode(kept: kept, rows: p.totalRows[name]!) }
            metrics.keptRowMasks = masks
            metrics.calibrationTokensSHA256 = read.calibrationTokens
        }
        var perplexity: PerplexityResult? = nil
        if let evaluation = cell.evaluation {
            stage(.evaluation)
            let (evaluator, sha256) = try session.evaluator(evaluation)
            read.evaluationText = sha256
            let r = try evaluator.evaluate(model, progress: progress)
            metrics.evaluation = r
            if evaluation.isPerplexity, let ppl = r.metrics["perplexity"], let mean = r.metrics["mean_nll"],
               let windows = r.metrics["windows"], let predicted = r.metrics["predicted_tokens"] {
                metrics.ppl = ppl
                metrics.meanNLL = mean
                metrics.windows = Int(windows)
                metrics.predictedTokens = Int(predicted)
                metrics.tokensPerSecond = r.metrics["tokens_per_second"]
                perplexity = PerplexityResult(ppl: ppl, meanNLL: mean, windows: Int(windows), predictedTokens: Int(predicted),
                                              seqlen: evaluation.seqlen, seconds: r.seconds, tokensPerSecond: r.metrics["tokens_per_second"] ?? 0)
            }
            metrics.evaluationSeconds = r.seconds
        }
        try session.bundle.checkFilesUnchanged()
        var saved: ModelExport.Summary? = nil
        if let target = saveTo, let p = pruned {
            stage(.saving)
            saved = try PrunedModelFiles.save(model, bundle: session.bundle, to: target, dtype: dtype, cell: cell, pruned: p, read: read)
        }
        clock.enter("")
        if saved != nil { try session.bundle.checkFilesUnchanged() }
        metrics.stageSeconds = clock.seconds
        if pendingLoadSeconds > 0 {
            metrics.stageSeconds?[Stage.load.rawValue] = pendingLoadSeconds
            pendingLoadSeconds = 0
        }
        return Outcome(metrics: metrics, read: read, pruned: pruned, calibrated: calibrated, perplexity: perplexity, saved: saved)
    }
}

/// Splits wall time between named stages: entering a stage ends the previous one.
public struct StageClock: Sendable {
    public private(set) var seconds: [String: Double] = [:]
    private var current: (name: String, since: Date)?

    public init() {}

    public mutating func enter(_ name: String) {
        if let c = current { seconds[c.name, default: 0] += Date().timeIntervalSince(c.since) }
        current = name.isEmpty ? nil : (name, Date())
    }
}
