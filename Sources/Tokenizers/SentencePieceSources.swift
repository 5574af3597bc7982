import Foundation
import ModelIO

/// The three places a SentencePiece BPE tokenizer comes from: GGUF `llama` metadata, SentencePiece's
/// `tokenizer.model`, and a Hugging Face tokenizer.json in LLaMA's form.
extension SentencePieceBPETokenizer {
    /// From `tokenizer.ggml.tokens`, `.scores`, `.token_type`, the special ids and `.add_bos_token`
    /// (true unless said otherwise, as llama.cpp assumes for this kind); encodes as sentencepiece does.
    /// `.add_space_prefix` and `.remove_extra_whitespaces` carry the normalizer settings when present.
    public static func fromGGUF(_ file: GGUFFile) throws -> SentencePieceBPETokenizer {
        let m = file.metadata
        let tokens = try file.tokenizerTokens()
        guard let scores = m["tokenizer.ggml.scores"]?.doubles, scores.count == tokens.count else {
            throw ModelIOError(file.path, "tokenizer.ggml.scores is missing or does not give one score per token (a llama tokenizer merges by score)")
        }
        let types = try file.tokenizerTypes(count: tokens.count) ?? [Int32](repeating: 1, count: tokens.count)
        func id(_ key: String) -> Int32? {
            guard let v = m[key]?.int, v >= 0, v < tokens.count else { return nil }
            return Int32(v)
        }
        do {
            return try SentencePieceBPETokenizer(
                pieces: tokens, scores: scores.map(Float.init), types: types, mergeRules: nil,
                whitespace: .sentencePiece(addDummyPrefix: m["tokenizer.ggml.add_space_prefix"]?.bool ?? true,
                                           removeExtraWhitespaces: m["tokenizer.ggml.remove_extra_whitespaces"]?.bool ?? false),
                byteFallback: types.contains(6), wholeTokenIDs: types.indices.filter { types[$0] == 4 }.map(Int32.init),
                bosID: id("tokenizer.ggml.bos_token_id"), eosID: id("tokenizer.ggml.eos_token_id"),
                unknownID: id("tokenizer.ggml.unknown_token_id") ?? types.firstIndex(of: 2).map(Int32.init),
                addsBOS: m["tokenizer.ggml.add_bos_token"]?.bool ?? true)
        } catch let e as TokenizerError {
            throw ModelIOError(file.path, e.description)
        }
    }

    /// From SentencePiece's `tokenizer.model`; BOS is added unless `addsBOS` says otherwise (LLaMA adds it).
    public static func fromModelFile(path: String, addsBOS: Bool? = nil) throws -> SentencePieceBPETokenizer {
        let file = try SentencePieceModelFile(path: path)
        let types = file.pieces.map(\.type)
        do {
            return try SentencePieceBPETokenizer(
                pieces: file.pieces.map(\.text), scores: file.pieces.map(\.score), types: types, mergeRules: nil,
                whitespace: .sentencePiece(addDummyPrefix: file.addDummyPrefix, removeExtraWhitespaces: file.removeExtraWhitespaces),
                byteFallback: file.byteFallback, wholeTokenIDs: types.indices.filter { types[$0] == 4 }.map(Int32.init),
                bosID: file.pieces.firstIndex { $0.text == "<s>" && $0.type == 3 }.map(Int32.init),
                eosID: file.pieces.firstIndex { $0.text == "</s>" && $0.type == 3 }.map(Int32.init),
                unknownID: types.firstIndex(of: 2).map(Int32.init), addsBOS: addsBOS ?? true)
        } catch let e as TokenizerError {
            throw ModelIOError(path, e.description)
        }
    }

    /// Whether a tokenizer.json is SentencePiece-style BPE, and which whitespace handling it uses:
    /// normalizer Prepend("▁") + Replace(" ", "▁") and no pre-tokenizer, or no normalizer and a
    /// Metaspace pre-tokenizer that does not split. nil when it is neither.
    static func whitespace(ofTokenizerJSON root: [String: Any]) -> Whitespace? {
        let normalizer = root["normalizer"] as? [String: Any]
        let pre = root["pre_tokenizer"] as? [String: Any]
        if let normalizer, pre == nil {
            let steps = normalizer["type"] as? String == "Sequence" ? normalizer["normalizers"] as? [[String: Any]] ?? [] : [normalizer]
            guard steps.count == 2,
                  steps[0]["type"] as? String == "Prepend", steps[0]["prepend"] as? String == "\u{2581}",
                  steps[1]["type"] as? String == "Replace", steps[1]["content"] as? String == "\u{2581}",
                  (steps[1]["pattern"] as? [String: Any])?["String"] as? String == " " else { return nil }
            return .prependEverySegment
        }
        if normalizer == nil, let pre, pre["type"] as? String == "Metaspace", pre["replacement"] as? String == "\u{2581}",
           pre["split"] as? Bool == false {
            switch pre["prepend_scheme"] as? String ?? "always" {
            case "first": return .metaspace(always: false)
            case "always": return .metaspace(always: true)
            default: return nil
            }
        }
        return nil
    }

    /// From a tokenizer.json whose `whitespace(ofTokenizerJSON:)` is known: the vocabulary, the ranked
    /// merges, byte fallback, added tokens (matched whole in text) and the BOS template.
    static func fromTokenizerJSON(_ root: [String: Any], model: [String: Any], whitespace: Whitespace, path: String,
                                  config: TokenizerConfigFile) throws -> SentencePieceBPETokenizer {
        let v = try TokenizerJSONParts.read(root, model: model, path: path)
        try refuseUnreproduced(root, model: model, whitespace: whitespace, path: path)
        let pieces = v.tokens
        var types = [Int32](repeating: 1, count: pieces.count)
        for a in v.added { types[a.id] = a.special ? 3 : 4 }
        for (i, p) in pieces.enumerated() where p.count == 6 && p.hasPrefix("<0x") && p.hasSuffix(">") && UInt8(p.dropFirst(3).dropLast(), radix: 16) != nil {
            types[i] = 6
        }
        let unknown = (model["unk_token"] as? String).flatMap { v.id($0) }
        if let unknown { types[Int(unknown)] = 2 }
        let bos = v.id(config.bosToken), eos = v.id(config.eosToken)
        let adds = config.addsBOS ?? HuggingFaceTokenizerFile.templateStartsWithSpecial(root["post_processor"])
        do {
            return try SentencePieceBPETokenizer(
                pieces: pieces, scores: [Float](repeating: 0, count: pieces.count), types: types, mergeRules: v.merges, whitespace: whitespace,
                byteFallback: model["byte_fallback"] as? Bool ?? false, wholeTokenIDs: v.added.map { Int32($0.id) },
                bosID: bos, eosID: eos, unknownID: unknown, addsBOS: adds && bos != nil)
        } catch let e as TokenizerError {
            throw ModelIOError(path, e.description)
        }
    }

    /// Settings LLaMA's files leave off, whose effect this tool does not reproduce.
    private static func refuseUnreproduced(_ root: [String: Any], model: [String: Any], whitespace: Whitespace, path: String) throws {
        // Without byte fallback unknown characters reach the output, and tokenizers fuses their runs only
        // with fuse_unk (false when absent).
        if model["byte_fallback"] as? Bool != true && model["fuse_unk"] as? Bool != true {
            throw ModelIOError(path, "BPE without byte_fallback and with fuse_unk false is not supported")
        }
        if let dropout = model["dropout"] as? Double, dropout > 0 { throw ModelIOError(path, "BPE dropout is not supported") }
        if model["ignore_merges"] as? Bool == true { throw ModelIOError(path, "BPE with ignore_merges true is not supported") }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] where model[key] is String {
            throw ModelIOError(path, "BPE with a \(key) is not supported")
        }
        for t in root["added_tokens"] as? [[String: Any]] ?? [] {
            let name = t["content"] as? String ?? "?"
            for flag in ["lstrip", "rstrip", "single_word"] where t[flag] as? Bool == true {
                throw ModelIOError(path, "added token \"\(name)\" has \(flag) true, which is not supported")
            }
            // Matched in the normalised text, after the "▁" prefix went on, which changes what is cut.
            if whitespace == .prependEverySegment && t["normalized"] as? Bool == true {
                throw ModelIOError(path, "added token \"\(name)\" has normalized true, which is not supported with the Prepend normalizer")
            }
        }
    }
}
