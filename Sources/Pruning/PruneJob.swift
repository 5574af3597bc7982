import Evaluation
import Foundation
import Llama
import ModelIO
import Tensor
import Tokenizers

/// One pruning experiment: calibrate (or reuse cached statistics), score, prune, shrink, evaluate, save.
public struct PruneRequest: Sendable {
    public var modelPath: String
    public var calibration: CalibrationSpec?
    public var structure = PruningStructure()
    public var pipeline = Pipeline.chained
    public var scorer = ComponentSpec(name: "wpr")
    public var pruner = ComponentSpec(name: "local")
    public var amount = 0.3
    public var evaluationText: String?
    public var evaluation = PerplexityProtocol()
    public var savePath: String?
    public var cache: StatisticsCache?

    public init(modelPath: String) { self.modelPath = modelPath }
}

/// What a prune job measured, for the CLI's JSON and for reports.
public struct PruneReport: Codable, Sendable {
    public struct Timings: Codable, Sendable {
        public var load = 0.0, calibration = 0.0, scoring = 0.0, pruning = 0.0, evaluation = 0.0, saving = 0.0
    }

    public var model: String
    public var modelSHA256: String
    public var structure: String
    public var pipeline: String
    public var scorer: String
    public var pruner: String
    public var amount: Double
    public var calibrationTokensSHA256: String?
    public var calibrationCached: Bool
    public var ppl: Double?
    public var perplexity: PerplexityResult?
    public var paramsTotal: Int
    public var paramsNonzero: Int
    public var paramsStored: Int
    /// Rows kept per pruned module, by module name.
    public var keptRows: [String: Int]
    /// Rows per pruned module before pruning.
    public var totalRows: [String: Int]
    public var ffnWidths: [Int]
    public var timings = Timings()
    public var peakRSSMB: Double
    public var saved: String?
    /// Set when a Hugging Face folder was saved with its layers padded to one FFN width (zero neurons).
    public var savedPaddedTo: Int?

    enum CodingKeys: String, CodingKey {
        case model, modelSHA256 = "model_sha256", structure, pipeline, scorer, pruner, amount
        case calibrationTokensSHA256 = "calibration_tokens_sha256", calibrationCached = "calibration_cached"
        case ppl, perplexity, paramsTotal = "params_total", paramsNonzero = "params_nonzero", paramsStored = "params_stored"
        case keptRows = "kept_rows", totalRows = "total_rows", ffnWidths = "ffn_widths", timings, peakRSSMB = "peak_rss_mb", saved
        case savedPaddedTo = "saved_padded_to"
    }
}

public enum PruneJob {
    /// Stage names passed to `progress` as they start.
    public enum Stage: String, Sendable { case load, calibration, scoring, pruning, evaluation, saving }

    public static func run(_ request: PruneRequest, stage: @Sendable (Stage) -> Void = { _ in },
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> PruneReport {
        // Check everything that can be checked before any heavy work.
        let scorer = try ScorerRegistry.make(request.scorer)
        _ = try PrunerRegistry.make(request.pruner)
        try checkAmount(request.amount)
        let needsStatistics = type(of: scorer).needsStatistics
        if needsStatistics && request.calibration == nil {
            throw PruningError("scorer \(request.scorer.name) needs calibration data (--calib)")
        }
        try request.calibration?.validate()
        if let text = request.evaluationText, !FileManager.default.fileExists(atPath: text) { throw ModelIOError(text, "no such file") }

        var timings = PruneReport.Timings()
        stage(.load)
        var t0 = Date()
        let session = try PruningSession(bundle: ModelBundle.load(path: request.modelPath), cache: request.cache)
        let dense = session.dense
        _ = try session.mlps(request.structure, request.pipeline)
        timings.load = Date().timeIntervalSince(t0)

        var calibrated: PruningSession.Calibrated? = nil
        if needsStatistics, let spec = request.calibration {
            stage(.calibration)
            t0 = Date()
            calibrated = try session.statistics(spec, structure: request.structure, progress: progress)
            timings.calibration = Date().timeIntervalSince(t0)
        }

        stage(.scoring)
        t0 = Date()
        let importances = try session.importances(request.scorer, structure: request.structure, pipeline: request.pipeline, calibrated: calibrated)
        timings.scoring = Date().timeIntervalSince(t0)

        stage(.pruning)
        t0 = Date()
        let pruned = try session.prune(importances, structure: request.structure, pipeline: request.pipeline,
                                       pruner: request.pruner, amount: request.amount)
        timings.pruning = Date().timeIntervalSince(t0)

        var result: PerplexityResult? = nil
        if let text = request.evaluationText {
            stage(.evaluation)
            t0 = Date()
            result = try Perplexity.evaluate(pruned.model, ids: session.tokens(of: text), protocol: request.evaluation, progress: progress)
            timings.evaluation = Date().timeIntervalSince(t0)
        }

        var report = PruneReport(
            model: request.modelPath, modelSHA256: session.modelSHA256, structure: request.structure.description,
            pipeline: request.pipeline.rawValue, scorer: request.scorer.description, pruner: request.pruner.description,
            amount: request.amount, calibrationTokensSHA256: calibrated?.tokensSHA256, calibrationCached: calibrated?.fromDisk ?? false,
            ppl: result?.ppl, perplexity: result,
            paramsTotal: ParameterCount.stored(dense), paramsNonzero: ParameterCount.nonzero(pruned.model),
            paramsStored: ParameterCount.stored(pruned.model), keptRows: pruned.keptRows, totalRows: pruned.totalRows,
            ffnWidths: pruned.model.config.intermediateSizes, timings: timings, peakRSSMB: 0, saved: nil)

        if let path = request.savePath {
            stage(.saving)
            t0 = Date()
            let summary = try PrunedModelFiles.save(pruned.model, bundle: session.bundle, to: path, removed: pruned.removed, request: request, report: report)
            report.saved = path
            report.savedPaddedTo = summary.paddedTo
            report.timings.saving = Date().timeIntervalSince(t0)
        }
        report.peakRSSMB = ProcessMemory.peakResidentMB
        return report
    }
}

/// Parameter counts of a model: what it stores, and how many of those are non-zero.
public enum ParameterCount {
    static func matrices(_ model: LlamaModel) -> [Matrix] {
        var all = [model.weights.embedding]
        if let head = model.weights.lmHead { all.append(head) }
        for l in model.weights.layers { all += [l.q, l.k, l.v, l.o, l.gate, l.up, l.down] }
        return all
    }

    static func vectors(_ model: LlamaModel) -> Int {
        model.weights.finalNorm.count + model.weights.layers.reduce(0) { $0 + $1.inputNorm.count + $1.postAttentionNorm.count }
    }

    public static func stored(_ model: LlamaModel) -> Int { matrices(model).reduce(vectors(model)) { $0 + $1.count } }

    public static func nonzero(_ model: LlamaModel) -> Int {
        var n = 0
        for m in matrices(model) {
            for i in 0..<m.count where m.pointer[i] != 0 { n += 1 }
        }
        return n + vectors(model)
    }
}
