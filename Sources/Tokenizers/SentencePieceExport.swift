import Foundation
import ModelIO

/// Writing a SentencePiece BPE tokenizer out: GGUF `llama` metadata (pieces, scores, types) and a
/// tokenizer.json in LLaMA's legacy form that Hugging Face `tokenizers` reads.
extension SentencePieceBPETokenizer {
    public func ggufMetadata() -> [(String, GGUFValue)] {
        // A tokenizer.json ranks pairs instead of scoring pieces: a piece's score is then minus the best
        // rank that makes it, which orders merges the same way.
        var pieceScores = scores
        if let rules = mergeRules {
            pieceScores = [Float](repeating: -1e9, count: pieces.count)
            let index = Dictionary(pieces.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            for (rank, line) in rules.enumerated().reversed() {
                if let i = index[line.replacingOccurrences(of: " ", with: "")] { pieceScores[i] = -Float(rank) }
            }
        }
        var entries: [(String, GGUFValue)] = [
            ("tokenizer.ggml.model", .string("llama")),
            ("tokenizer.ggml.tokens", .array(pieces.map { .string($0) })),
            ("tokenizer.ggml.scores", .array(pieceScores.map { .float32($0) })),
            ("tokenizer.ggml.token_type", .array(types.map { .int32($0) })),
        ]
        if let bosID { entries.append(("tokenizer.ggml.bos_token_id", .uint32(UInt32(bosID)))) }
        if let eosID { entries.append(("tokenizer.ggml.eos_token_id", .uint32(UInt32(eosID)))) }
        if let unknownID { entries.append(("tokenizer.ggml.unknown_token_id", .uint32(UInt32(unknownID)))) }
        entries.append(("tokenizer.ggml.add_bos_token", .bool(addsBOS)))
        entries.append(("tokenizer.ggml.add_eos_token", .bool(false)))
        if case .sentencePiece(let prefix, let collapse) = whitespace {
            entries.append(("tokenizer.ggml.add_space_prefix", .bool(prefix)))
            if collapse { entries.append(("tokenizer.ggml.remove_extra_whitespaces", .bool(true))) }
        }
        return entries
    }

    /// The merges a tokenizer.json needs: its own, or for a scored model every split of a piece into
    /// two pieces, best-scored merged piece first (then by the halves' ids).
    func rankedMerges() -> [String] {
        if let mergeRules { return mergeRules }
        var index: [String: Int] = [:]
        for (i, p) in pieces.enumerated() where index[p] == nil && [1, 4, 5].contains(types[i]) { index[p] = i }
        var found: [(score: Float, a: Int, b: Int, text: String)] = []
        for (i, p) in pieces.enumerated() where types[i] == 1 {
            let s = Array(p.unicodeScalars)
            guard s.count > 1 else { continue }
            for k in 1..<s.count {
                let left = String(String.UnicodeScalarView(s[..<k])), right = String(String.UnicodeScalarView(s[k...]))
                if let a = index[left], let b = index[right] { found.append((scores[i], a, b, left + " " + right)) }
            }
        }
        found.sort { ($0.score, -$0.a, -$0.b) > ($1.score, -$1.a, -$1.b) }
        return found.map(\.text)
    }

    public func huggingFaceFiles() throws -> [String: Data] {
        // LLaMA's tokenizer.json forms always put "▁" in front and never collapse spaces.
        if case .sentencePiece(let prefix, let collapse) = whitespace, !prefix || collapse {
            throw TokenizerError("a SentencePiece model with \(collapse ? "remove_extra_whitespaces on" : "add_dummy_prefix off") has no tokenizer.json form this tool writes exactly")
        }
        var vocab: [String: Int] = [:]
        for (i, p) in pieces.enumerated() where vocab[p] == nil { vocab[p] = i }
        let added = types.indices.filter { [2, 3, 4].contains(types[$0]) }.map {
            TokenizerJSONParts.addedToken(id: $0, content: pieces[$0], special: types[$0] != 4)
        }
        let normalizer: Any
        let preTokenizer: Any
        switch whitespace {
        case .metaspace(let always):
            normalizer = NSNull()
            preTokenizer = ["type": "Metaspace", "replacement": "\u{2581}", "prepend_scheme": always ? "always" : "first", "split": false] as [String: Any]
        default:
            normalizer = ["type": "Sequence", "normalizers": [
                ["type": "Prepend", "prepend": "\u{2581}"],
                ["type": "Replace", "pattern": ["String": " "], "content": "\u{2581}"],
            ]] as [String: Any]
            preTokenizer = NSNull()
        }
        let postProcessor = addsBOS ? TokenizerJSONParts.bosTemplate(bosID.map { pieces[Int($0)] }, id: bosID) : NSNull()
        let decoder: [String: Any] = ["type": "Sequence", "decoders": [
            ["type": "Replace", "pattern": ["String": "\u{2581}"], "content": " "],
            ["type": "ByteFallback"], ["type": "Fuse"], ["type": "Strip", "content": " ", "start": 1, "stop": 0],
        ]]
        let root: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(), "added_tokens": added,
            "normalizer": normalizer, "pre_tokenizer": preTokenizer, "post_processor": postProcessor, "decoder": decoder,
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": unknownID.map { pieces[Int($0)] as Any } ?? NSNull(),
                      "continuing_subword_prefix": NSNull(), "end_of_word_suffix": NSNull(), "fuse_unk": true,
                      "byte_fallback": byteFallback, "ignore_merges": false, "vocab": vocab,
                      "merges": rankedMerges().map { $0.split(separator: " ", maxSplits: 1).map(String.init) }] as [String: Any],
        ]
        var config: [String: Any] = ["add_bos_token": addsBOS, "add_eos_token": false, "tokenizer_class": "LlamaTokenizerFast",
                                     "clean_up_tokenization_spaces": false, "legacy": true]
        if let bosID { config["bos_token"] = pieces[Int(bosID)] }
        if let eosID { config["eos_token"] = pieces[Int(eosID)] }
        if let unknownID { config["unk_token"] = pieces[Int(unknownID)] }
        return ["tokenizer.json": try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys]),
                "tokenizer_config.json": try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys, .prettyPrinted])]
    }
}
