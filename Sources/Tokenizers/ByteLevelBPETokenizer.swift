import Foundation
import ModelIO

/// Byte-level BPE as GPT-2, SmolLM2 and their relatives use it, equal to Hugging Face `tokenizers`'
/// `BPE` model behind a `ByteLevel` pre-tokenizer (GPT-2 split, no prefix space): special tokens are
/// cut out of the text first, the rest is split by `GPT2Split`, each piece's UTF-8 bytes are spelled
/// with `ByteUnicode` characters, and adjacent symbols merge by rank until no listed merge applies.
public final class ByteLevelBPETokenizer: Tokenizer, @unchecked Sendable {
    public let vocabulary: [String]
    /// The merge rules as given ("a b", by rank), and the ids matched whole in text: kept so the
    /// tokenizer can be written out again (tokenizer.json, GGUF metadata).
    public let mergeRules: [String]
    public let specialTokenIDs: [Int32]
    /// The matched-whole tokens that are not special (GGUF token type 4, user-defined; `special: false`
    /// in tokenizer.json): they decode like the rest but are carried as such when written out.
    public let userDefinedIDs: Set<Int32>
    public let bosID: Int32?
    public let eosID: Int32?
    public let addsBOS: Bool
    public var vocabularySize: Int { vocabulary.count }
    public var kind: String { "byte-level BPE (\(vocabulary.count) tokens, \(merges.count) merges)" }

    /// (left id, right id) → (rank, merged id).
    private let merges: [UInt64: (rank: Int32, id: Int32)]
    /// The id of each byte's one-character token (-1 when the vocabulary lacks it).
    private let byteIDs: [Int32]
    /// Special tokens as UTF-8, longest first, with their ids.
    private let specials: [(bytes: [UInt8], id: Int32)]
    private let specialIDs: Set<Int32>
    private let cache = WordCache()

    public init(vocabulary: [String], merges mergeList: [String], specialIDs special: [Int32], userDefinedIDs: Set<Int32> = [],
                bosID: Int32?, eosID: Int32?, addsBOS: Bool) throws {
        self.vocabulary = vocabulary
        mergeRules = mergeList
        specialTokenIDs = special
        self.userDefinedIDs = userDefinedIDs
        self.bosID = bosID
        self.eosID = eosID
        self.addsBOS = addsBOS
        var index: [String: Int32] = [:]
        index.reserveCapacity(vocabulary.count)
        for (i, t) in vocabulary.enumerated() where index[t] == nil { index[t] = Int32(i) }
        var merges: [UInt64: (rank: Int32, id: Int32)] = [:]
        merges.reserveCapacity(mergeList.count)
        for (rank, line) in mergeList.enumerated() {
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let a = index[String(parts[0])], let b = index[String(parts[1])] else {
                throw TokenizerError("merge #\(rank) \"\(line)\" names tokens that are not in the vocabulary")
            }
            // A merge whose result is missing from the vocabulary can never be applied.
            guard let merged = index[String(parts[0]) + String(parts[1])] else { continue }
            let key = UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
            if merges[key] == nil { merges[key] = (Int32(rank), merged) }
        }
        self.merges = merges
        byteIDs = ByteUnicode.characters.map { index[String(Character($0))] ?? -1 }
        specials = special.map { (Array(vocabulary[Int($0)].utf8), $0) }.filter { !$0.0.isEmpty }.sorted { $0.0.count > $1.0.count }
        specialIDs = Set(special)
    }

    /// From `tokenizer.ggml.tokens`, `.merges`, `.token_type` (3 control and 4 user-defined tokens are
    /// matched whole in text), `.bos_token_id`, `.eos_token_id` and `.add_bos_token`.
    public static func fromGGUF(_ file: GGUFFile) throws -> ByteLevelBPETokenizer {
        let m = file.metadata
        let tokens = try file.tokenizerTokens()
        let merges = m["tokenizer.ggml.merges"]?.strings ?? []
        let types = try file.tokenizerTypes(count: tokens.count) ?? []
        let special = types.enumerated().filter { $0.element == 3 || $0.element == 4 }.map { Int32($0.offset) }
        let userDefined = Set(types.enumerated().filter { $0.element == 4 }.map { Int32($0.offset) })
        func id(_ key: String) -> Int32? {
            guard let v = m[key]?.int, v >= 0, v < tokens.count else { return nil }
            return Int32(v)
        }
        do {
            return try ByteLevelBPETokenizer(vocabulary: tokens, merges: merges, specialIDs: special, userDefinedIDs: userDefined,
                                             bosID: id("tokenizer.ggml.bos_token_id"), eosID: id("tokenizer.ggml.eos_token_id"),
                                             addsBOS: m["tokenizer.ggml.add_bos_token"]?.bool ?? false)
        } catch let e as TokenizerError {
            throw ModelIOError(file.path, e.description)
        }
    }

    public func encode(_ text: String) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(text.utf8.count / 3)
        if addsBOS, let bos = bosID { out.append(bos) }
        let bytes = Array(text.utf8)
        var start = 0
        for (position, special) in specialMatches(bytes) {
            encodeOrdinary(bytes[start..<position], into: &out)
            out.append(special.id)
            start = position + special.bytes.count
        }
        encodeOrdinary(bytes[start...], into: &out)
        return out
    }

    /// Occurrences of special tokens, left to right, longest first at each position.
    private func specialMatches(_ bytes: [UInt8]) -> [(Int, (bytes: [UInt8], id: Int32))] {
        guard !specials.isEmpty else { return [] }
        let firsts = Set(specials.map { $0.bytes[0] })
        var found: [(Int, (bytes: [UInt8], id: Int32))] = []
        var i = 0
        while i < bytes.count {
            if firsts.contains(bytes[i]), let s = specials.first(where: { bytes.count - i >= $0.bytes.count && bytes[i..<i + $0.bytes.count].elementsEqual($0.bytes) }) {
                found.append((i, s))
                i += s.bytes.count
            } else {
                i += 1
            }
        }
        return found
    }

    private func encodeOrdinary(_ bytes: ArraySlice<UInt8>, into out: inout [Int32]) {
        guard !bytes.isEmpty else { return }
        let scalars = Array(String(decoding: bytes, as: UTF8.self).unicodeScalars)
        GPT2Split.split(scalars) { a, b in
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: scalars[a..<b])
            out.append(contentsOf: encodeWord(String(piece)))
        }
    }

    /// One pre-tokenized piece: its bytes as symbols, merged lowest rank first. Cached per piece.
    private func encodeWord(_ word: String) -> [Int32] {
        if let hit = cache.get(word) { return hit }
        var symbols: [Int32] = []
        for b in word.utf8 where byteIDs[Int(b)] >= 0 { symbols.append(byteIDs[Int(b)]) }
        while symbols.count > 1 {
            var best: (rank: Int32, at: Int, id: Int32)? = nil
            for i in 0..<(symbols.count - 1) {
                let key = UInt64(UInt32(bitPattern: symbols[i])) << 32 | UInt64(UInt32(bitPattern: symbols[i + 1]))
                if let m = merges[key], best == nil || m.rank < best!.rank { best = (m.rank, i, m.id) }
            }
            guard let b = best else { break }
            // Merge every occurrence of the best pair, left to right (as BPE applies one rank at a time).
            let left = symbols[b.at], right = symbols[b.at + 1]
            var merged: [Int32] = []
            merged.reserveCapacity(symbols.count)
            var i = 0
            while i < symbols.count {
                if i + 1 < symbols.count && symbols[i] == left && symbols[i + 1] == right {
                    merged.append(b.id)
                    i += 2
                } else {
                    merged.append(symbols[i])
                    i += 1
                }
            }
            symbols = merged
        }
        cache.set(word, symbols)
        return symbols
    }

    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && Int(id) < vocabulary.count {
            let token = vocabulary[Int(id)]
            if specialIDs.contains(id) {
                bytes.append(contentsOf: token.utf8)
                continue
            }
            for s in token.unicodeScalars {
                if let b = ByteUnicode.bytes[s.value] { bytes.append(b) } else { bytes.append(contentsOf: String(s).utf8) }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A thread-safe memo of encoded pieces: natural text repeats its words, so most lookups hit.
final class WordCache: @unchecked Sendable {
    /// The table sits behind a pointer: a class's `var` is checked for exclusive access at run time on
    /// every lookup (a few percent of encoding), and the lock already makes access exclusive.
    private let table = UnsafeMutablePointer<[String: [Int32]]>.allocate(capacity: 1)
    private let lock = NSLock()

    init() { table.initialize(to: [:]) }

    deinit {
        table.deinitialize(count: 1)
        table.deallocate()
    }

    func get(_ word: String) -> [Int32]? {
        lock.lock()
        defer { lock.unlock() }
        return table.pointee[word]
    }

    func set(_ word: String, _ ids: [Int32]) {
        lock.lock()
        if table.pointee.count > 1 << 20 { table.pointee.removeAll(keepingCapacity: true) }
        table.pointee[word] = ids
        lock.unlock()
    }
}
