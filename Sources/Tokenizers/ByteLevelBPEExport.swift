import Foundation
import ModelIO

/// Writing a byte-level BPE tokenizer back out: as GGUF `tokenizer.ggml.*` metadata (model "gpt2") and
/// as a Hugging Face `tokenizer.json` + `tokenizer_config.json` that `tokenizers` reads to the same ids.
extension ByteLevelBPETokenizer {
    public func ggufMetadata() -> [(String, GGUFValue)] {
        let special = Set(specialTokenIDs)
        let types: [GGUFValue] = vocabulary.indices.map { i in
            let id = Int32(i)
            return .int32(userDefinedIDs.contains(id) ? 4 : special.contains(id) ? 3 : 1)
        }
        var entries: [(String, GGUFValue)] = [
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string("gpt2")),
            ("tokenizer.ggml.tokens", .array(vocabulary.map { .string($0) })),
            ("tokenizer.ggml.token_type", .array(types)),
            ("tokenizer.ggml.merges", .array(mergeRules.map { .string($0) })),
        ]
        if let bosID { entries.append(("tokenizer.ggml.bos_token_id", .uint32(UInt32(bosID)))) }
        if let eosID { entries.append(("tokenizer.ggml.eos_token_id", .uint32(UInt32(eosID)))) }
        entries.append(("tokenizer.ggml.add_bos_token", .bool(addsBOS)))
        return entries
    }

    public func huggingFaceFiles() throws -> [String: Data] {
        let special = Set(specialTokenIDs)
        var vocab: [String: Int] = [:]
        for (i, t) in vocabulary.enumerated() where !special.contains(Int32(i)) && vocab[t] == nil { vocab[t] = i }
        let added = specialTokenIDs.sorted().map {
            TokenizerJSONParts.addedToken(id: Int($0), content: vocabulary[Int($0)], special: !userDefinedIDs.contains($0))
        }
        // Special tokens also sit in the model's vocabulary, as tokenizers writes them.
        for id in specialTokenIDs where vocab[vocabulary[Int(id)]] == nil { vocab[vocabulary[Int(id)]] = Int(id) }
        let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true]
        let postProcessor = addsBOS ? TokenizerJSONParts.bosTemplate(bosID.map { vocabulary[Int($0)] }, id: bosID) : NSNull()
        let root: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(), "added_tokens": added,
            "normalizer": NSNull(), "pre_tokenizer": byteLevel, "post_processor": postProcessor, "decoder": byteLevel,
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": NSNull(),
                      "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                      "vocab": vocab, "merges": mergeRules.map { $0.split(separator: " ", maxSplits: 1).map(String.init) }] as [String: Any],
        ]
        var config: [String: Any] = ["add_bos_token": addsBOS, "add_eos_token": false, "tokenizer_class": "PreTrainedTokenizerFast",
                                     "clean_up_tokenization_spaces": false, "model_max_length": 1_000_000_000]
        if let bosID { config["bos_token"] = vocabulary[Int(bosID)] }
        if let eosID { config["eos_token"] = vocabulary[Int(eosID)] }
        return ["tokenizer.json": try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys]),
                "tokenizer_config.json": try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys, .prettyPrinted])]
    }
}
