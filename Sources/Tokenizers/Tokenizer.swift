import Foundation
import ModelIO

/// Text ↔ token ids for a model.
public protocol Tokenizer: Sendable {
    var vocabularySize: Int { get }
    var bosID: Int32? { get }
    var eosID: Int32? { get }
    /// Whether `encode` prepends the BOS token (the model's metadata decides).
    var addsBOS: Bool { get }
    /// A short description for `prune inspect` and reports.
    var kind: String { get }
    func encode(_ text: String) -> [Int32]
    func decode(_ ids: [Int32]) -> String
    /// The `tokenizer.*` GGUF metadata that describes this tokenizer exactly (as llama.cpp reads it),
    /// so a converted or pruned model written as GGUF carries its tokenizer.
    func ggufMetadata() -> [(String, GGUFValue)]
    /// The Hugging Face files that describe it, by file name: `tokenizer.json` and `tokenizer_config.json`.
    func huggingFaceFiles() throws -> [String: Data]
}

public struct TokenizerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

/// The tokenizer a GGUF file describes in its `tokenizer.ggml.*` metadata. Kinds this tool cannot
/// reproduce exactly are refused by name rather than approximated.
public func loadTokenizer(from file: GGUFFile) throws -> any Tokenizer {
    guard let model = file.metadata["tokenizer.ggml.model"]?.string else {
        throw ModelIOError(file.path, "no tokenizer in the metadata (tokenizer.ggml.model is missing)")
    }
    switch model {
    case "gpt2":
        return try ByteLevelBPETokenizer.fromGGUF(file)
    case "llama":
        return try SentencePieceBPETokenizer.fromGGUF(file)
    default:
        throw ModelIOError(file.path, "tokenizer kind \"\(model)\" is not supported (this version reads gpt2, byte-level BPE, and llama, SentencePiece BPE)")
    }
}

/// The most tokens a vocabulary may have (2^24 = 16 777 216, far above any real model's): ids fit an
/// Int32 and a corrupt count or id cannot size an allocation.
let maxVocabulary = 1 << 24

extension GGUFFile {
    /// `tokenizer.ggml.tokens`, checked to be a non-empty list of strings of at most `maxVocabulary`.
    func tokenizerTokens() throws -> [String] {
        guard let tokens = metadata["tokenizer.ggml.tokens"]?.strings, !tokens.isEmpty else {
            throw ModelIOError(path, "tokenizer.ggml.tokens is missing or not a list of strings")
        }
        guard tokens.count <= maxVocabulary else {
            throw ModelIOError(path, "tokenizer.ggml.tokens lists \(tokens.count) tokens; at most \(maxVocabulary) are supported")
        }
        return tokens
    }

    /// `tokenizer.ggml.token_type` (nil when absent), checked: one of llama.cpp's types 0...6 per token.
    func tokenizerTypes(count: Int) throws -> [Int32]? {
        guard let value = metadata["tokenizer.ggml.token_type"] else { return nil }
        guard let types = value.ints, types.count == count else {
            throw ModelIOError(path, "tokenizer.ggml.token_type must list one integer type per token (\(count) tokens)")
        }
        if let i = types.firstIndex(where: { !(0...6).contains($0) }) {
            throw ModelIOError(path, "tokenizer.ggml.token_type gives token \(i) the type \(types[i]); types are 0...6")
        }
        return types.map(Int32.init)
    }
}
