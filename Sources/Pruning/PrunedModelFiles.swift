import Foundation
import Llama
import ModelIO

/// A saved pruned model: a GGUF file with `<name>.pruning.json` beside it, or a Hugging Face folder with
/// `pruning.json` inside, saying what was removed, how, and from what (the rows kept per module, the
/// configuration, the model and calibration hashes).
public enum PrunedModelFiles {
    struct Record: Encodable {
        let tool = "prune"
        let model: String
        let modelSHA256: String
        let calibration: CalibrationSpec?
        let calibrationTokensSHA256: String?
        let structure: PruningStructure
        let pipeline: String
        let scorer: String
        let pruner: String
        let amount: Double
        let ffnWidths: [Int]
        let keptRows: [String: [Int]]
        let paddedTo: Int?

        enum CodingKeys: String, CodingKey {
            case tool, model, modelSHA256 = "model_sha256", calibration, calibrationTokensSHA256 = "calibration_tokens_sha256"
            case structure, pipeline, scorer, pruner, amount, ffnWidths = "ffn_widths", keptRows = "kept_rows"
            case paddedTo = "padded_to_intermediate_size"
        }
    }

    @discardableResult
    public static func save(_ model: LlamaModel, bundle: ModelBundle, to path: String, removed: [LinearModule: [Int]],
                            request: PruneRequest, report: PruneReport) throws -> ModelExport.Summary {
        let summary = try ModelExport.write(model, tokenizer: bundle.tokenizer, source: bundle.source, to: path)
        var kept: [String: [Int]] = [:]
        for (name, rows) in report.totalRows {
            let module = removed.keys.first { $0.name == name }
            let gone = Set(module.flatMap { removed[$0] } ?? [])
            kept[name] = (0..<rows).filter { !gone.contains($0) }
        }
        let record = Record(model: request.modelPath, modelSHA256: report.modelSHA256, calibration: request.calibration,
                            calibrationTokensSHA256: report.calibrationTokensSHA256, structure: request.structure,
                            pipeline: report.pipeline, scorer: report.scorer, pruner: report.pruner, amount: report.amount,
                            ffnWidths: report.ffnWidths, keptRows: kept, paddedTo: summary.paddedTo)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let sidecar = path.hasSuffix(".gguf") ? String(path.dropLast(".gguf".count)) + ".pruning.json"
            : URL(fileURLWithPath: path).appendingPathComponent("pruning.json").path
        try AtomicWrite.write(encoder.encode(record), to: sidecar)
        return summary
    }
}
