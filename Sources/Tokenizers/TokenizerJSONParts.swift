import Foundation
import ModelIO

/// The pieces of a Hugging Face tokenizer.json that every BPE kind reads and writes alike: the vocabulary
/// with its added tokens, the merge list, and the template that puts BOS in front.
enum TokenizerJSONParts {
    struct Vocabulary {
        /// Token text by id (gaps stay empty).
        var tokens: [String]
        var vocab: [String: Int]
        /// Added tokens: text, id, and whether tokenizers marks them special.
        var added: [(content: String, id: Int, special: Bool)]
        /// Merges as "a b", by rank: files write them as strings (older) or as [a, b] pairs (newer).
        var merges: [String]

        func id(_ token: String?) -> Int32? {
            guard let token else { return nil }
            // Negative ids are skipped when the table is built, so they name no token.
            return (added.first { $0.content == token }?.id ?? vocab[token]).flatMap { $0 >= 0 ? Int32($0) : nil }
        }
    }

    static func read(_ root: [String: Any], model: [String: Any], path: String) throws -> Vocabulary {
        guard let vocab = model["vocab"] as? [String: Int] else { throw ModelIOError(path, "model.vocab is missing") }
        var added: [(content: String, id: Int, special: Bool)] = []
        for t in root["added_tokens"] as? [[String: Any]] ?? [] {
            if let content = t["content"] as? String, let id = t["id"] as? Int, id >= 0 { added.append((content, id, t["special"] as? Bool ?? false)) }
        }
        // Ids size the token table: one beyond any real vocabulary is a corrupt file, not an allocation.
        if let (token, id) = vocab.first(where: { $0.value >= maxVocabulary }) ?? added.first(where: { $0.id >= maxVocabulary }).map({ ($0.content, $0.id) }) {
            throw ModelIOError(path, "token \"\(token.prefix(40))\" has id \(id); ids must be below \(maxVocabulary)")
        }
        let size = max(vocab.values.max() ?? -1, added.map(\.id).max() ?? -1) + 1
        var tokens = [String](repeating: "", count: size)
        for (t, id) in vocab where id >= 0 { tokens[id] = t }
        for a in added { tokens[a.id] = a.content }
        let merges: [String] = (model["merges"] as? [Any] ?? []).compactMap { m in
            if let s = m as? String { return s }
            if let pair = m as? [String], pair.count == 2 { return pair[0] + " " + pair[1] }
            return nil
        }
        return Vocabulary(tokens: tokens, vocab: vocab, added: added, merges: merges)
    }

    /// One `added_tokens` entry, matched whole and never normalised.
    static func addedToken(id: Int, content: String, special: Bool) -> [String: Any] {
        ["id": id, "content": content, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": special]
    }

    /// The post-processor that puts BOS before a sequence (and before each of a pair), or null.
    static func bosTemplate(_ bos: String?, id: Int32?) -> Any {
        guard let bos, let id else { return NSNull() }
        return [
            "type": "TemplateProcessing",
            "single": [["SpecialToken": ["id": bos, "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]]],
            "pair": [["SpecialToken": ["id": bos, "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]],
                     ["SpecialToken": ["id": bos, "type_id": 1]], ["Sequence": ["id": "B", "type_id": 1]]],
            "special_tokens": [bos: ["id": bos, "ids": [Int(id)], "tokens": [bos]]],
        ] as [String: Any]
    }
}
