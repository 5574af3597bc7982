import Foundation
import Llama
import ModelIO

/// A saved pruned model: the GGUF file, and beside it `<name>.pruning.json` saying what was removed,
/// how, and from what (the rows kept per module, the configuration, the model and calibration hashes).
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

        enum CodingKeys: String, CodingKey {
            case tool, model, modelSHA256 = "model_sha256", calibration, calibrationTokensSHA256 = "calibration_tokens_sha256"
            case structure, pipeline, scorer, pruner, amount, ffnWidths = "ffn_widths", keptRows = "kept_rows"
        }
    }

    public static func save(_ model: LlamaModel, source: GGUFFile, to path: String, removed: [LinearModule: [Int]],
                            request: PruneRequest, report: PruneReport) throws {
        guard path.hasSuffix(".gguf") else {
            throw PruningError("--save \(path): only .gguf files can be written so far (Hugging Face folders come with the model-formats work)")
        }
        try ModelExport.gguf(model, source: source, to: path)
        var kept: [String: [Int]] = [:]
        for (name, rows) in report.totalRows {
            let module = removed.keys.first { $0.name == name }
            let gone = Set(module.flatMap { removed[$0] } ?? [])
            kept[name] = (0..<rows).filter { !gone.contains($0) }
        }
        let record = Record(model: request.modelPath, modelSHA256: report.modelSHA256, calibration: request.calibration,
                            calibrationTokensSHA256: report.calibrationTokensSHA256, structure: request.structure,
                            pipeline: report.pipeline, scorer: report.scorer, pruner: report.pruner, amount: report.amount,
                            ffnWidths: report.ffnWidths, keptRows: kept)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let sidecar = String(path.dropLast(".gguf".count)) + ".pruning.json"
        try AtomicWrite.write(encoder.encode(record), to: sidecar)
    }
}
