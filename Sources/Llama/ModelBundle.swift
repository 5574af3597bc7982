import Foundation
import ModelIO
import Tokenizers

/// Where a model was read from: a GGUF file, or a Hugging Face folder (config.json, safetensors,
/// tokenizer files).
public enum ModelSource: @unchecked Sendable {
    case gguf(GGUFFile)
    case folder(String)

    /// Whether `path` names a folder (a Hugging Face model) rather than a file; throws when it is neither.
    public static func isFolder(_ path: String) throws -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelIOError(path, "no such file or folder")
        }
        return isDirectory.boolValue
    }
}

/// A model with the tokenizer that came with it, and where both were read from.
public struct ModelBundle: @unchecked Sendable {
    public let path: String
    public let model: LlamaModel
    public let tokenizer: any Tokenizer
    public let source: ModelSource
    public let loadSeconds: Double
    /// SHA-256 of the model's bytes as loaded (see `ModelFiles`): the identity of every result computed
    /// from this model, taken after loading so it covers exactly the bytes the weights came from.
    public let sha256: String
    /// The files the weights were read from (the `.gguf` file, or the folder's input files) as they were
    /// when loading began. Weights of a 16-bit model are read from the file's map for the whole run.
    public let files: [(path: String, identity: FileIdentity)]

    public var gguf: GGUFFile? {
        if case .gguf(let file) = source { return file }
        return nil
    }

    /// Loads a `.gguf` file (BF16/F16 matrices read in place from the map, others dequantized to Float32;
    /// tokenizer from its metadata) or a Hugging Face folder (config.json, safetensors weights, tokenizer.json or tokenizer.model).
    public static func load(path: String) throws -> ModelBundle {
        let start = Date()
        let model: LlamaModel, tokenizer: any Tokenizer, source: ModelSource, sha256: String
        let folder = try ModelSource.isFolder(path)
        let paths = folder ? try ModelFiles.inputs(folder: path).map { URL(fileURLWithPath: path).appendingPathComponent($0).path } : [path]
        let files = paths.compactMap { p in FileIdentity.of(p).map { (path: p, identity: $0) } }
        if folder {
            _ = try LlamaHuggingFaceLoader.open(folder: path)
            tokenizer = try loadTokenizer(huggingFaceFolder: URL(fileURLWithPath: path))
            model = try LlamaHuggingFaceLoader.load(folder: path)
            source = .folder(path)
            // Re-read after loading: a file replaced meanwhile gives a digest that no longer matches
            // the one planned, so nothing computed from the mixture can be stored under either.
            sha256 = try ModelFiles.sha256(path)
        } else {
            let file = try GGUFFile(path: path)
            _ = try LlamaModel.configuration(of: file)
            tokenizer = try loadTokenizer(from: file)
            model = try LlamaModel.load(gguf: file)
            source = .gguf(file)
            // The very map the weights were read from.
            sha256 = ContentHash.mapped(file.file)
        }
        guard tokenizer.vocabularySize <= model.config.vocabSize else {
            throw ModelIOError(path, "the tokenizer has \(tokenizer.vocabularySize) tokens but the embedding only \(model.config.vocabSize)")
        }
        return ModelBundle(path: path, model: model, tokenizer: tokenizer, source: source, loadSeconds: Date().timeIntervalSince(start),
                           sha256: sha256, files: files)
    }

    /// Throws when a file the model was read from has been rewritten in place since loading began: what
    /// was computed since may mix old and new bytes, so it must not be stored under the load-time digest.
    /// A file replaced by a rename, or removed, is not a change here (the map keeps the old file).
    public func checkFilesUnchanged() throws {
        for (p, identity) in files where identity.rewrittenInPlace(FileIdentity.of(p)) {
            throw ModelIOError(p, "was rewritten in place while this run was reading it (its size or modification time changed); "
                                  + "nothing computed since is stored. Replace model files by renaming a new file over them, and run again")
        }
    }
}
