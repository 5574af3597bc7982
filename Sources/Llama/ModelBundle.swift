import Foundation
import ModelIO
import Tokenizers

/// A model with the tokenizer that came with it, and where both were read from.
public struct ModelBundle: @unchecked Sendable {
    public let path: String
    public let model: LlamaModel
    public let tokenizer: any Tokenizer
    public let gguf: GGUFFile?
    public let loadSeconds: Double

    /// Loads a `.gguf` file (weights dequantized to Float32, tokenizer from its metadata).
    public static func load(path: String) throws -> ModelBundle {
        let start = Date()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelIOError(path, "no such file or folder")
        }
        guard !isDirectory.boolValue else {
            throw ModelIOError(path, "is a folder; this version reads .gguf model files")
        }
        let file = try GGUFFile(path: path)
        _ = try LlamaModel.configuration(of: file)
        let tokenizer = try loadTokenizer(from: file)
        let model = try LlamaModel.load(gguf: file)
        guard tokenizer.vocabularySize <= model.config.vocabSize else {
            throw ModelIOError(path, "the tokenizer has \(tokenizer.vocabularySize) tokens but the embedding only \(model.config.vocabSize)")
        }
        return ModelBundle(path: path, model: model, tokenizer: tokenizer, gguf: file, loadSeconds: Date().timeIntervalSince(start))
    }
}
