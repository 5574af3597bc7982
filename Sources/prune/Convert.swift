import ArgumentParser
import Foundation
import Llama
import ModelIO
import Pruning

/// `prune convert MODEL --to PATH`: rewrites a model as a GGUF file or a Hugging Face folder, then reloads
/// the written model and compares its logits with the original's on a short text.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model as a GGUF file (PATH ends in .gguf) or a Hugging Face folder (any other PATH).")

    @Argument(help: "A .gguf model file or a Hugging Face model folder.")
    var model: String

    @Option(help: "Where to write: FILE.gguf, or a folder for Hugging Face (config.json, safetensors, tokenizer files).")
    var to: String

    @Option(help: "Storage type of the weight matrices: f32, f16, bf16, or (in a .gguf) llama.cpp's q8_0, q4_0, q4_1; a matrix whose rows are not a multiple of 32 values falls back to f16; norm vectors stay f32 in GGUF.")
    var dtype = "f32"

    @Flag(help: "Skip reloading the written model to compare logits.")
    var noVerify = false

    func validate() throws {
        guard let kind = ModelExport.DType.named(dtype) else {
            throw ValidationError("--dtype must be one of \(ModelExport.DType.all.map(\.name).joined(separator: ", ")) (got \(dtype))")
        }
        do { try ModelExport.check(kind, path: to) } catch { throw ValidationError("--dtype \(dtype): \(error)") }
        let a = URL(fileURLWithPath: model).standardizedFileURL.path, b = URL(fileURLWithPath: to).standardizedFileURL.path
        guard a != b else { throw ValidationError("--to names the input model itself (\(to)); write somewhere else") }
    }

    func run() throws {
        try reportingErrors {
            let bundle = try ModelBundle.load(path: model)
            let start = Date()
            let summary = try ModelExport.write(bundle.model, tokenizer: bundle.tokenizer, source: bundle.source, to: to,
                                                dtype: ModelExport.DType.named(dtype)!)
            print("wrote       \(to) (\(summary.format), \(dtype), \(String(format: "%.1f", Date().timeIntervalSince(start))) s): \(summary.files.joined(separator: ", "))")
            print("stored      \(summary.storedParameters.formatted()) parameters"
                  + (ModelFiles.byteSize(to).map { String(format: ", %.1f MB", Double($0) / 1e6) } ?? ""))
            if let note = summary.headNote { print("note        \(note)") }
            if let note = summary.fallbackNote { print("note        \(note)") }
            if let width = summary.paddedTo { print("note        layers differ in FFN width; padded to \(width) with zero neurons (exact)") }
            // A pruned model keeps its record (kept rows, configuration, digests) in any format.
            if try PrunedModelFiles.carryOver(from: model, to: to) { print("record      \(PrunedModelFiles.recordPath(to)) (carried over)") }
            guard !noVerify else { return }
            let reloaded = try ModelBundle.load(path: to)
            let ids = bundle.tokenizer.encode("In the beginning God created the heaven and the earth. 1234 ünïcødé")
            guard reloaded.tokenizer.encode("In the beginning God created the heaven and the earth. 1234 ünïcødé") == ids else {
                throw ModelIOError(to, "the written tokenizer encodes the check text differently from the original")
            }
            let a = bundle.model.logits(ids), b = reloaded.model.logits(ids)
            var worst: Float = 0, scale: Float = 0
            for i in 0..<a.count {
                worst = max(worst, abs(a.pointer[i] - b.pointer[i]))
                scale = max(scale, abs(a.pointer[i]))
            }
            print("verified    reloaded; same tokens, max |Δ logit| = \(String(format: "%.3g", worst)) over \(ids.count) positions (logits up to \(String(format: "%.3g", scale)))")
            if dtype == "f32" && worst > 1e-3 * max(1, scale) {
                throw ModelIOError(to, "the reloaded model's logits differ by \(worst); the conversion is not exact")
            }
        }
    }
}
