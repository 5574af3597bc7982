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
    /// How the saved model's matrices are stored.
    public var saveDType = ModelExport.DType.f32
    public var cache: StatisticsCache?
    /// `least_squares(ridge: 0.1)`, `bias`, or nil for none.
    public var reconstruction: ComponentSpec?
    /// The precision the model computes in (calibration and evaluation too).
    public var precision = Precision.f32

    public init(modelPath: String) { self.modelPath = modelPath }
}

/// What a prune job measured, for the CLI's JSON and for reports.
public struct PruneReport: Codable, Sendable {
    public struct Timings: Codable, Sendable {
        public var load = 0.0, calibration = 0.0, scoring = 0.0, pruning = 0.0, evaluation = 0.0, saving = 0.0
        public var reconstruction: Double? = nil
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
    /// The saved model's storage, the values it stores (params_stored, plus any padding neurons), its
    /// size in bytes, and a note on matrices that fell back to f16.
    public var savedDType: String? = nil
    public var savedParameters: Int? = nil
    public var savedBytes: Int? = nil
    public var savedNote: String? = nil
    /// SHA-256 of the bytes of the calibration file and of the evaluation text actually read.
    public var calibrationFileSHA256: String? = nil
    public var evaluationSHA256: String? = nil
    /// Kept rows per module as `RowMask` hex bitmasks.
    public var keptRowMasks: [String: String]? = nil
    /// The reconstruction applied after pruning, if any.
    public var reconstruction: String? = nil
    /// The precision when not Float32.
    public var precision: String? = nil

    enum CodingKeys: String, CodingKey {
        case model, modelSHA256 = "model_sha256", structure, pipeline, scorer, pruner, amount
        case calibrationTokensSHA256 = "calibration_tokens_sha256", calibrationCached = "calibration_cached"
        case ppl, perplexity, paramsTotal = "params_total", paramsNonzero = "params_nonzero", paramsStored = "params_stored"
        case keptRows = "kept_rows", totalRows = "total_rows", ffnWidths = "ffn_widths", timings, peakRSSMB = "peak_rss_mb", saved
        case savedPaddedTo = "saved_padded_to", calibrationFileSHA256 = "calibration_file_sha256", evaluationSHA256 = "evaluation_sha256"
        case keptRowMasks = "kept_row_masks", reconstruction, savedDType = "saved_dtype", savedParameters = "saved_params"
        case savedBytes = "saved_bytes", savedNote = "saved_note", precision
    }
}

public enum PruneJob {
    /// Stage names passed to `progress` as they start.
    public typealias Stage = CellRunner.Stage

    /// The request as a cell: what a script line with the same settings would run.
    public static func cell(_ request: PruneRequest) -> Cell {
        Cell(model: request.modelPath, calibration: request.calibration, structure: request.structure, pipeline: request.pipeline,
             scorer: request.scorer, pruner: request.pruner, amount: request.amount,
             evaluation: request.evaluationText.map {
                 EvaluationSetting(text: $0, seqlen: request.evaluation.seqlen, windows: request.evaluation.maxWindows)
             }, reconstruction: request.reconstruction, precision: request.precision)
    }

    public static func run(_ request: PruneRequest, stage: @Sendable (Stage) -> Void = { _ in },
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> PruneReport {
        // Check everything that can be checked before any heavy work.
        let scorer = try ScorerRegistry.make(request.scorer)
        _ = try PrunerRegistry.make(request.pruner)
        try checkAmount(request.amount)
        try request.structure.check(scorer: request.scorer.name)
        try request.structure.check(pruner: request.pruner)
        try PrunerRegistry.checkScores(pruner: request.pruner, scorer: request.scorer, structure: request.structure, pipeline: request.pipeline)
        let needsStatistics = type(of: scorer).needsStatistics || request.reconstruction != nil
        if needsStatistics && request.calibration == nil {
            throw PruningError(request.reconstruction.map { "reconstruct \($0.name) needs calibration data (--calib)" }
                               ?? "scorer \(request.scorer.name) needs calibration data (--calib)")
        }
        if let spec = request.reconstruction {
            _ = try ReconstructorRegistry.make(spec)
            try ReconstructorRegistry.check(spec, structure: request.structure)
        }
        try request.calibration?.validate()
        if let path = request.calibration?.path { try InputFile.check(path) }
        if let text = request.evaluationText { try InputFile.check(text) }
        if let path = request.savePath {
            try SaveTarget.checkWritable(path)
            try ModelExport.check(request.saveDType, path: path)
        }
        var cell = cell(request)
        if !needsStatistics { cell.calibration = nil }

        stage(.load)
        let runner = try CellRunner(modelPath: request.modelPath, cache: request.cache)
        _ = try runner.session.mlps(request.structure, request.pipeline)
        let outcome = try runner.run(cell, saveTo: request.savePath, saveAs: request.saveDType, stage: stage, progress: progress)
        let seconds = outcome.metrics.stageSeconds ?? [:]
        var timings = PruneReport.Timings()
        timings.load = seconds["load"] ?? 0
        timings.calibration = seconds["calibration"] ?? 0
        timings.scoring = seconds["scoring"] ?? 0
        timings.pruning = seconds["pruning"] ?? 0
        timings.evaluation = seconds["evaluation"] ?? 0
        timings.saving = seconds["saving"] ?? 0
        timings.reconstruction = seconds["reconstruction"]
        let m = outcome.metrics
        var report = PruneReport(
            model: request.modelPath, modelSHA256: outcome.read.model, structure: request.structure.description,
            pipeline: request.pipeline.rawValue, scorer: request.scorer.description, pruner: request.pruner.description,
            amount: request.amount, calibrationTokensSHA256: outcome.read.calibrationTokens,
            calibrationCached: outcome.calibrated?.fromDisk ?? false, ppl: m.ppl, perplexity: outcome.perplexity,
            paramsTotal: m.paramsTotal, paramsNonzero: m.paramsNonzero, paramsStored: m.paramsStored,
            keptRows: m.keptRows, totalRows: outcome.pruned?.totalRows ?? [:], ffnWidths: m.ffnWidths, timings: timings,
            peakRSSMB: ProcessMemory.peakResidentMB, saved: outcome.saved == nil ? nil : request.savePath,
            savedPaddedTo: outcome.saved?.paddedTo, calibrationFileSHA256: outcome.read.calibrationFile,
            evaluationSHA256: outcome.read.evaluationText, keptRowMasks: m.keptRowMasks, reconstruction: request.reconstruction?.description,
            precision: request.precision == .f32 ? nil : request.precision.rawValue)
        if let s = outcome.saved, let path = request.savePath {
            report.savedDType = s.dtype.name
            report.savedParameters = s.storedParameters
            report.savedBytes = ModelFiles.byteSize(path)
            let notes = [s.headNote, s.fallbackNote].compactMap { $0 }
            report.savedNote = notes.isEmpty ? nil : notes.joined(separator: "; ")
        }
        return report
    }
}

/// Parameter counts of a model: what it stores, and how many of those are non-zero. "Stored" is what a
/// saved file holds: down_proj keeps every row of the residual stream in GGUF and Hugging Face files alike
/// (their formats fix its shape), so rows a chain removed from it are stored as zeros and counted here;
/// they are not counted as non-zero. Only a Hugging Face folder's padding neurons come on top
/// (`ModelExport.Summary.storedParameters` counts those).
public enum ParameterCount {
    static func matrices(_ model: LlamaModel) -> [Weight] {
        var all = [model.weights.embedding]
        if let head = model.weights.lmHead { all.append(head) }
        for l in model.weights.layers { all += [l.q, l.k, l.v, l.o, l.gate, l.up, l.down] }
        return all
    }

    static func vectors(_ model: LlamaModel) -> Int {
        model.weights.finalNorm.count
            + model.weights.layers.reduce(0) { $0 + $1.inputNorm.count + $1.postAttentionNorm.count + ($1.downBias?.count ?? 0) }
    }

    public static func stored(_ model: LlamaModel) -> Int {
        let removedDownRows = model.weights.layers.reduce(0) { n, l in
            n + (l.downOutputs == nil ? 0 : (model.config.hiddenSize - l.down.rows) * l.down.columns)
        }
        return matrices(model).reduce(vectors(model)) { $0 + $1.count } + removedDownRows
    }

    /// Bytes the model's matrices take as held (4 per Float32 value, 2 per bfloat16 or half).
    public static func storedBytes(_ model: LlamaModel) -> Int {
        matrices(model).reduce(4 * vectors(model)) { $0 + $1.bytes }
    }

    public static func nonzero(_ model: LlamaModel) -> Int {
        var n = 0
        for w in matrices(model) {
            if let half = w.half {
                // ±0 are the 16-bit patterns 0x0000 and 0x8000 in bfloat16 and half alike.
                for i in 0..<w.count where half.pointer[i] & 0x7FFF != 0 { n += 1 }
            } else {
                let m = w.matrix
                for i in 0..<m.count where m.pointer[i] != 0 { n += 1 }
            }
        }
        return n + vectors(model)
    }
}
