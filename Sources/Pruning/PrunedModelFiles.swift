import Foundation
import Llama
import ModelIO

/// A saved pruned model: a GGUF file with `<name>.pruning.json` beside it, or a Hugging Face folder with
/// `pruning.json` inside, saying what was removed, how, and from what (the rows kept per module, the
/// configuration, the digests of the model and calibration bytes used).
public enum PrunedModelFiles {
    struct Record: Codable {
        var tool = "prune"
        let model: String
        let modelSHA256: String
        let calibration: CalibrationSpec?
        let calibrationFileSHA256: String?
        let calibrationTokensSHA256: String?
        let structure: PruningStructure?
        let pipeline: String?
        let scorer: String?
        let pruner: String?
        let amount: Double
        let ffnWidths: [Int]
        let keptRows: [String: [Int]]
        let paddedTo: Int?
        /// The reconstruction that refit the kept weights (absent when none did).
        var reconstruction: String? = nil
        /// How the matrices are stored (f32, f16, bf16, q8_0, q4_0, q4_1), the matrices that fell back to
        /// f16 because their rows are not whole blocks, and how many values the file stores.
        var dtype: String? = nil
        var fallbackToF16: [String]? = nil
        var storedParameters: Int? = nil
        /// The output head's storage when it differs from `dtype` (Q8_0 under a 4-bit type).
        var headDType: String? = nil

        enum CodingKeys: String, CodingKey {
            case tool, model, modelSHA256 = "model_sha256", calibration, calibrationFileSHA256 = "calibration_file_sha256"
            case calibrationTokensSHA256 = "calibration_tokens_sha256"
            case structure, pipeline, scorer, pruner, amount, ffnWidths = "ffn_widths", keptRows = "kept_rows"
            case paddedTo = "padded_to_intermediate_size", reconstruction, dtype, fallbackToF16 = "fallback_to_f16"
            case storedParameters = "stored_parameters", headDType = "head_dtype"
        }
    }

    /// Where the record of a model saved at `path` lives.
    public static func recordPath(_ path: String) -> String {
        path.hasSuffix(".gguf") ? String(path.dropLast(".gguf".count)) + ".pruning.json"
            : URL(fileURLWithPath: path).appendingPathComponent("pruning.json").path
    }

    @discardableResult
    public static func save(_ model: LlamaModel, bundle: ModelBundle, to path: String, dtype: ModelExport.DType = .f32, cell: Cell,
                            pruned: PruningSession.Pruned, read: CellRunner.InputsRead) throws -> ModelExport.Summary {
        let summary = try ModelExport.write(model, tokenizer: bundle.tokenizer, source: bundle.source, to: path, dtype: dtype)
        var record = Record(model: cell.model, modelSHA256: read.model, calibration: cell.calibration,
                            calibrationFileSHA256: read.calibrationFile, calibrationTokensSHA256: read.calibrationTokens,
                            structure: cell.structure, pipeline: cell.pipeline?.rawValue, scorer: cell.scorer?.description,
                            pruner: cell.pruner?.description, amount: cell.amount, ffnWidths: model.config.intermediateSizes,
                            keptRows: pruned.keptIndices, paddedTo: summary.paddedTo, reconstruction: cell.reconstruction?.description)
        record.dtype = dtype.name
        record.fallbackToF16 = summary.fallbacks.isEmpty ? nil : summary.fallbacks.map(\.name)
        record.storedParameters = summary.storedParameters
        record.headDType = summary.head?.storage.name
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicWrite.write(encoder.encode(record), to: recordPath(path))
        return summary
    }

    /// Copies the record of a pruned model at `source` (if it has one) to where a converted copy at
    /// `target` keeps it, noting the conversion; returns whether there was one.
    @discardableResult
    public static func carryOver(from source: String, to target: String) throws -> Bool {
        let from = recordPath(source)
        guard FileManager.default.fileExists(atPath: from) else { return false }
        let data = try TextFile.bytes(from).data
        guard var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelIOError(from, "not a pruning record (JSON object)")
        }
        var history = object["converted_from"] as? [[String: Any]] ?? []
        history.append(["path": source, "sha256": try ModelFiles.sha256(source)])
        object["converted_from"] = history
        try AtomicWrite.write(JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]), to: recordPath(target))
        return true
    }
}
