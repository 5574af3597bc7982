import Foundation
import ModelIO

/// The tokenizer of a Hugging Face model folder, from its `tokenizer.json` (the `tokenizers` format).
/// Only pipelines this tool reproduces exactly are accepted; anything else is refused by name.
public func loadTokenizer(huggingFaceFolder folder: URL) throws -> any Tokenizer {
    let url = folder.appendingPathComponent("tokenizer.json")
    let config = TokenizerConfigFile(folder: folder)
    guard let data = FileManager.default.contents(atPath: url.path) else {
        let model = folder.appendingPathComponent("tokenizer.model")
        if FileManager.default.fileExists(atPath: model.path) {
            return try SentencePieceBPETokenizer.fromModelFile(path: model.path, addsBOS: config.addsBOS)
        }
        throw ModelIOError(url.path, "no such file (a Hugging Face model folder needs its tokenizer.json or tokenizer.model)")
    }
    guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let model = root["model"] as? [String: Any] else {
        throw ModelIOError(url.path, "not a tokenizers JSON file (no \"model\" object)")
    }
    switch model["type"] as? String {
    case "BPE" where HuggingFaceTokenizerFile.isByteLevel(root):
        return try HuggingFaceTokenizerFile.byteLevel(root, model: model, path: url.path, addsBOS: config.addsBOS)
    case "BPE" where SentencePieceBPETokenizer.whitespace(ofTokenizerJSON: root) != nil:
        return try SentencePieceBPETokenizer.fromTokenizerJSON(root, model: model, whitespace: SentencePieceBPETokenizer.whitespace(ofTokenizerJSON: root)!,
                                                               path: url.path, config: config)
    case let kind:
        throw ModelIOError(url.path, "tokenizer \(kind ?? "?") with normalizer \(HuggingFaceTokenizerFile.describe(root["normalizer"], list: "normalizers")) and pre-tokenizer \(HuggingFaceTokenizerFile.describe(root["pre_tokenizer"])) is not supported (this version reads byte-level BPE and SentencePiece-style BPE)")
    }
}

enum HuggingFaceTokenizerFile {
    /// A plain ByteLevel pre-tokenizer with the GPT-2 split and no prefix space, and no normalizer.
    static func isByteLevel(_ root: [String: Any]) -> Bool {
        guard let pre = root["pre_tokenizer"] as? [String: Any], pre["type"] as? String == "ByteLevel" else { return false }
        let normalizerOK = root["normalizer"] == nil || root["normalizer"] is NSNull
        return normalizerOK && (pre["use_regex"] as? Bool ?? true) && !(pre["add_prefix_space"] as? Bool ?? false)
    }

    static func describe(_ value: Any?, list key: String = "pretokenizers") -> String {
        guard let pre = value as? [String: Any] else { return "none" }
        if let list = pre[key] as? [[String: Any]] {
            return "\(pre["type"] as? String ?? "?")[" + list.map { $0["type"] as? String ?? "?" }.joined(separator: ", ") + "]"
        }
        return pre["type"] as? String ?? "?"
    }

    static func byteLevel(_ root: [String: Any], model: [String: Any], path: String, addsBOS: Bool?) throws -> ByteLevelBPETokenizer {
        let v = try TokenizerJSONParts.read(root, model: model, path: path)
        // Added tokens are matched whole in text, special or not, as tokenizers does.
        let specialIDs = v.added.map { Int32($0.id) }
        let config = TokenizerConfigFile(folder: URL(fileURLWithPath: path).deletingLastPathComponent())
        let bos = v.id(config.bosToken), eos = v.id(config.eosToken)
        // BOS is added when tokenizer_config.json says so, or when the post-processor's template for a
        // single sequence starts with a special token.
        let adds = addsBOS ?? templateStartsWithSpecial(root["post_processor"])
        do {
            return try ByteLevelBPETokenizer(vocabulary: v.tokens, merges: v.merges, specialIDs: specialIDs,
                                             userDefinedIDs: Set(v.added.filter { !$0.special }.map { Int32($0.id) }),
                                             bosID: bos, eosID: eos, addsBOS: adds && bos != nil)
        } catch let e as TokenizerError {
            throw ModelIOError(path, e.description)
        }
    }

    static func templateStartsWithSpecial(_ value: Any?) -> Bool {
        guard let post = value as? [String: Any], post["type"] as? String == "TemplateProcessing",
              let single = post["single"] as? [[String: Any]], let first = single.first else { return false }
        return first["SpecialToken"] != nil
    }
}

/// `tokenizer_config.json`: whether a BOS token is added, and the BOS and EOS tokens' text.
struct TokenizerConfigFile {
    let addsBOS: Bool?
    let bosToken: String?
    let eosToken: String?

    init(folder: URL) {
        let url = folder.appendingPathComponent("tokenizer_config.json")
        let object = FileManager.default.contents(atPath: url.path).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        addsBOS = object?["add_bos_token"] as? Bool
        // Either a plain string or an AddedToken object with "content".
        func token(_ key: String) -> String? {
            if let s = object?[key] as? String { return s }
            return (object?[key] as? [String: Any])?["content"] as? String
        }
        bosToken = token("bos_token")
        eosToken = token("eos_token")
    }
}
