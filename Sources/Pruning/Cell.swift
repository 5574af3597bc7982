import Evaluation
import Foundation
import Llama

/// One pruning experiment: a model, how it is pruned, and what is measured on the result. `prune prune`
/// runs one; a `.prune` sweep runs many. A dense cell (amount 0) carries no pruning settings, so the
/// baseline is one cell however many scorers, pruners or pipelines a sweep holds.
public struct Cell: Hashable, Codable, Sendable {
    public var model: String
    public var calibration: CalibrationSpec?
    public var structure: PruningStructure?
    public var pipeline: Pipeline?
    public var scorer: ComponentSpec?
    public var pruner: ComponentSpec?
    public var amount: Double
    public var evaluation: EvaluationSetting?
    /// How the pruned model is refit (`least_squares(ridge: 0.1)`, `bias`); nil for none, and then
    /// absent from the cell's JSON, so cells from before reconstruction keep their keys.
    public var reconstruction: ComponentSpec? = nil
    /// The precision the model computes in (calibration, evaluation); nil for Float32, the default, and
    /// then absent from the cell's JSON, so Float32 cells keep their keys.
    public var precision: Precision? = nil

    public init(model: String, calibration: CalibrationSpec? = nil, structure: PruningStructure? = nil, pipeline: Pipeline? = nil,
                scorer: ComponentSpec? = nil, pruner: ComponentSpec? = nil, amount: Double, evaluation: EvaluationSetting? = nil,
                reconstruction: ComponentSpec? = nil, precision: Precision? = nil) {
        self.reconstruction = reconstruction
        self.precision = precision == .f32 ? nil : precision
        self.model = model
        self.calibration = calibration
        self.structure = structure
        self.pipeline = pipeline
        self.scorer = scorer
        self.pruner = pruner
        self.amount = amount
        self.evaluation = evaluation
    }

    public var isDense: Bool { amount == 0 }

    /// The same cell without what is measured: cells equal here prune to the same model.
    public var pruning: Cell {
        var copy = self
        copy.evaluation = nil
        return copy
    }

    /// Every setting, in words: what a run, a plan or a table row shows for the cell.
    public var label: String {
        var parts: [String]
        if isDense {
            parts = ["dense \(Self.fileName(model))"]
        } else {
            parts = ["\(scorer?.description ?? "?") \(pruner?.description ?? "?") \(pipeline?.rawValue ?? "?") \(String(format: "%g", amount))"
                     + " [\(structure?.chain.joined(separator: " -> ") ?? "?")]" + (reconstruction.map { " + \($0)" } ?? "")]
            if let c = calibration { parts.append("calib \(c.summary)") }
        }
        if let e = evaluation { parts.append("eval \(e.summary)") }
        if let p = precision { parts.append(p.rawValue) }
        return parts.joined(separator: " · ")
    }

    static func fileName(_ path: String) -> String { URL(fileURLWithPath: path).lastPathComponent }
}

extension CalibrationSpec {
    /// `calib.txt 64×512 seed 42`.
    public var summary: String { "\(Cell.fileName(path)) \(samples)×\(seqlen) seed \(seed)" }
}

/// What one cell measured.
public struct CellMetrics: Codable, Sendable {
    public var ppl: Double?
    public var meanNLL: Double?
    public var windows: Int?
    public var predictedTokens: Int?
    public var paramsTotal: Int
    public var paramsNonzero: Int
    public var paramsStored: Int
    /// Rows kept per pruned module, by module name.
    public var keptRows: [String: Int]
    /// Which rows were kept, per pruned module: a bitmask as hex, row i being bit i % 8 of byte i / 8
    /// (`RowMask`), so two methods' choices compare without re-running either.
    public var keptRowMasks: [String: String]?
    /// SHA-256 of the calibration tokens the importances were computed from.
    public var calibrationTokensSHA256: String?
    public var ffnWidths: [Int]
    public var evaluationSeconds: Double?
    public var tokensPerSecond: Double?
    public var saved: String?
    /// Wall time of each stage this cell ran (shared stages count for the cell that computed them).
    public var stageSeconds: [String: Double]? = nil
    /// Everything the evaluation measured: its metrics by lm-eval's names and the per-item values
    /// (for perplexity also copied into `ppl`, `meanNLL`, ... as records have always held it).
    public var evaluation: EvaluationResult? = nil

    public init(paramsTotal: Int, paramsNonzero: Int, paramsStored: Int, keptRows: [String: Int], ffnWidths: [Int]) {
        self.paramsTotal = paramsTotal
        self.paramsNonzero = paramsNonzero
        self.paramsStored = paramsStored
        self.keptRows = keptRows
        self.ffnWidths = ffnWidths
    }

    enum CodingKeys: String, CodingKey {
        case ppl, meanNLL = "mean_nll", windows, predictedTokens = "predicted_tokens", paramsTotal = "params_total"
        case paramsNonzero = "params_nonzero", paramsStored = "params_stored", keptRows = "kept_rows", keptRowMasks = "kept_row_masks"
        case calibrationTokensSHA256 = "calibration_tokens_sha256"
        case ffnWidths = "ffn_widths", evaluationSeconds = "evaluation_seconds", tokensPerSecond = "tokens_per_second", saved
        case stageSeconds = "stage_seconds", evaluation
    }

    /// The measured value a run prints for a cell: `ppl 11.3027`, `acc_norm 0.5294`, or "" without evaluation.
    public func headline(for cell: Cell) -> String {
        guard let e = cell.evaluation else { return "" }
        if e.isPerplexity { return ppl.map { String(format: "ppl %.4f", $0) } ?? "ppl -" }
        guard let name = EvaluatorRegistry.type(e.task)?.headline else { return "" }
        return "\(name) " + (evaluation?.metrics[name].map { String(format: "%.4f", $0) } ?? "-")
    }

    /// The metrics `cell` asked for that these lack: a record missing any is not a finished cell.
    public func missing(for cell: Cell) -> [String] {
        var out: [String] = []
        if let e = cell.evaluation {
            if e.isPerplexity {
                if ppl == nil { out.append("ppl") }
                if windows == nil { out.append("windows") }
                if predictedTokens == nil { out.append("predicted_tokens") }
            } else if evaluation == nil {
                out.append("the \(e.task) metrics")
            } else if let headline = EvaluatorRegistry.type(e.task)?.headline, evaluation?.metrics[headline] == nil {
                out.append(headline)
            }
        }
        // Row masks are recorded since this version; records without them still hold valid results.
        if !cell.isDense && keptRows.isEmpty { out.append("kept_rows") }
        if !cell.isDense, let masks = keptRowMasks, masks.keys.sorted() != keptRows.keys.sorted() { out.append("kept_row_masks") }
        return out
    }
}

/// Kept rows as a compact, exact bitmask: row i is bit (i % 8) of byte (i / 8), bytes written as hex.
/// In Python: `numpy.unpackbits(numpy.frombuffer(bytes.fromhex(mask), numpy.uint8), bitorder="little")[:rows]`.
public enum RowMask {
    public static func encode(kept: [Int], rows: Int) -> String {
        var bytes = [UInt8](repeating: 0, count: (rows + 7) / 8)
        for i in kept where i >= 0 && i < rows { bytes[i / 8] |= 1 << UInt8(i % 8) }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// The kept row indices, or nil when `mask` is not hex or is too short for `rows`.
    public static func decode(_ mask: String, rows: Int) -> [Int]? {
        let hex = Array(mask.utf8)
        guard hex.count % 2 == 0, hex.count / 2 >= (rows + 7) / 8 else { return nil }
        var kept: [Int] = []
        for i in 0..<rows {
            let pair = String(decoding: hex[(i / 8) * 2..<(i / 8) * 2 + 2], as: UTF8.self)
            guard let byte = UInt8(pair, radix: 16) else { return nil }
            if byte & (1 << UInt8(i % 8)) != 0 { kept.append(i) }
        }
        return kept
    }
}
