import Foundation
import ModelIO

/// SentencePiece-style BPE, as LLaMA-1/2 and Open-LLaMA tokenize: spaces become "▁" (U+2581) with one
/// "▁" put in front, the text splits into Unicode scalars, and adjacent symbols merge, best pair first,
/// while their concatenation is a piece; scalars no piece covers fall back to `<0xHH>` byte tokens.
/// "Best" is the merged piece's score when the tokenizer comes from sentencepiece (tokenizer.model or
/// GGUF `llama` metadata), and the pair's rank in the merge list when it comes from a tokenizer.json;
/// ties go to the leftmost pair, as in both libraries.
public final class SentencePieceBPETokenizer: Tokenizer, @unchecked Sendable {
    /// How whitespace and the "▁" prefix are handled; the sources differ here, so each is kept exact.
    public enum Whitespace: Sendable, Equatable {
        /// sentencepiece: "▁" before a non-empty text; optionally trim and collapse spaces first.
        /// Tokens like "<s>" in the text are plain text.
        case sentencePiece(addDummyPrefix: Bool, removeExtraWhitespaces: Bool)
        /// tokenizers with normalizer Prepend("▁") + Replace(" ", "▁"): the text is first cut around
        /// added tokens, and every remaining segment gets the prefix.
        case prependEverySegment
        /// tokenizers with a Metaspace pre-tokenizer: the prefix goes on the text's first segment only
        /// (`always`: on every segment), unless that segment already starts with a space.
        case metaspace(always: Bool)
    }

    public static let space: Unicode.Scalar = "\u{2581}"

    public let pieces: [String]
    public let scores: [Float]
    /// SentencePiece piece types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
    public let types: [Int32]
    /// The ranked merge list of a tokenizer.json ("a b"); nil when scores decide.
    public let mergeRules: [String]?
    public let whitespace: Whitespace
    public let byteFallback: Bool
    /// Tokens cut out of the text whole before anything else (tokenizers' added tokens; user-defined
    /// pieces for sentencepiece).
    public let wholeTokenIDs: [Int32]
    public let bosID: Int32?
    public let eosID: Int32?
    public let unknownID: Int32?
    public let addsBOS: Bool
    public var vocabularySize: Int { pieces.count }
    public var kind: String {
        "SentencePiece BPE (\(pieces.count) pieces, \(mergeRules.map { "\($0.count) merges" } ?? "merged by score"))"
    }

    private let index: [String: Int32]
    /// (left id, right id) → (priority, lower is better; merged id).
    private let pairs: [UInt64: (priority: Double, id: Int32)]
    private let byteIDs: [Int32]
    private let wholeTokens: [(bytes: [UInt8], id: Int32)]
    /// By byte: whether some whole-matched token starts with it (most bytes need no closer look).
    private let startsWholeToken: [Bool]
    /// Whether cutting the text before every "▁" that follows another character is exact: true when no
    /// piece holds a character followed by "▁", so no merge can cross such a cut, and "▁" is a piece, so
    /// no run of unknown characters can either. Then words are cached.
    private let splitsAtSpaces: Bool
    private let cache = WordCache()

    public init(pieces: [String], scores: [Float], types: [Int32], mergeRules: [String]?, whitespace: Whitespace,
                byteFallback: Bool, wholeTokenIDs: [Int32], bosID: Int32?, eosID: Int32?, unknownID: Int32?, addsBOS: Bool) throws {
        precondition(pieces.count == scores.count && pieces.count == types.count)
        self.pieces = pieces
        self.scores = scores
        self.types = types
        self.mergeRules = mergeRules
        self.whitespace = whitespace
        self.byteFallback = byteFallback
        self.wholeTokenIDs = wholeTokenIDs
        self.bosID = bosID
        self.eosID = eosID
        self.unknownID = unknownID
        self.addsBOS = addsBOS
        if types.contains(5) && mergeRules == nil {
            throw TokenizerError("the model has unused pieces (type 5), whose re-splitting this tool does not reproduce")
        }
        // Pieces text can produce: sentencepiece's normal, user-defined and unused ones (control, unknown
        // and byte pieces are reserved); for a tokenizer.json every vocabulary entry.
        let mergeable = { (i: Int) in mergeRules != nil || [1, 4, 5].contains(types[i]) }
        var index: [String: Int32] = [:]
        for (i, p) in pieces.enumerated() where mergeable(i) && index[p] == nil { index[p] = Int32(i) }
        self.index = index
        let key = Self.pairKey
        var pairs: [UInt64: (priority: Double, id: Int32)] = [:]
        if let rules = mergeRules {
            for (rank, line) in rules.enumerated() {
                let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, let a = index[String(parts[0])], let b = index[String(parts[1])] else {
                    throw TokenizerError("merge #\(rank) \"\(line)\" names pieces that are not in the vocabulary")
                }
                guard let merged = index[String(parts[0]) + String(parts[1])] else { continue }
                if pairs[key(a, b)] == nil { pairs[key(a, b)] = (Double(rank), merged) }
            }
        } else {
            for (i, p) in pieces.enumerated() where mergeable(i) && types[i] != 4 {
                let scalars = Array(p.unicodeScalars)
                guard scalars.count > 1 else { continue }
                for k in 1..<scalars.count {
                    var left = String.UnicodeScalarView(), right = String.UnicodeScalarView()
                    left.append(contentsOf: scalars[..<k])
                    right.append(contentsOf: scalars[k...])
                    if let a = index[String(left)], let b = index[String(right)] { pairs[key(a, b)] = (-Double(scores[i]), Int32(i)) }
                }
            }
        }
        self.pairs = pairs
        var byteIDs = [Int32](repeating: -1, count: 256)
        for (i, p) in pieces.enumerated() where p.count == 6 && p.hasPrefix("<0x") && p.hasSuffix(">") {
            if let b = UInt8(p.dropFirst(3).dropLast(), radix: 16) { byteIDs[Int(b)] = Int32(i) }
        }
        self.byteIDs = byteIDs
        wholeTokens = wholeTokenIDs.map { (Array(pieces[Int($0)].utf8), $0) }.filter { !$0.0.isEmpty }.sorted { $0.0.count > $1.0.count }
        var starts = [Bool](repeating: false, count: 256)
        for w in wholeTokens { starts[Int(w.bytes[0])] = true }
        startsWholeToken = starts
        splitsAtSpaces = index[String(Self.space)] != nil && !pieces.indices.contains { i in
            guard mergeable(i) else { return false }
            let s = Array(pieces[i].unicodeScalars)
            return zip(s, s.dropFirst()).contains { $0 != Self.space && $1 == Self.space }
        }
    }

    // MARK: Encoding

    public func encode(_ text: String) -> [Int32] {
        var out: [Int32] = []
        if addsBOS, let bos = bosID { out.append(bos) }
        switch whitespace {
        case .sentencePiece(let prefix, let collapse):
            var t = collapse ? Self.collapsingSpaces(text) : text
            if prefix && !t.isEmpty { t = " " + t }
            let normalized = t.replacingOccurrences(of: " ", with: "\u{2581}")
            forEachSegment(normalized) { segment, id in
                if let id { out.append(id) } else { encodeSegment(segment, into: &out) }
            }
        case .prependEverySegment, .metaspace:
            var first = true
            forEachSegment(text) { segment, id in
                if let id { out.append(id); first = false; return }
                var s = segment.replacingOccurrences(of: " ", with: "\u{2581}")
                let prepend: Bool
                switch whitespace {
                case .prependEverySegment: prepend = !s.isEmpty
                case .metaspace(let always): prepend = (always || first) && !s.unicodeScalars.starts(with: [Self.space])
                default: prepend = false
                }
                if prepend { s = "\u{2581}" + s }
                first = false
                encodeSegment(s, into: &out)
            }
        }
        return out
    }

    /// Cuts `text` around the whole-matched tokens (longest first at each position).
    private func forEachSegment(_ text: String, _ body: (String, Int32?) -> Void) {
        guard !wholeTokens.isEmpty else { return body(text, nil) }
        let bytes = Array(text.utf8)
        var start = 0, i = 0
        while i < bytes.count {
            if startsWholeToken[Int(bytes[i])], let w = wholeTokens.first(where: { bytes.count - i >= $0.bytes.count && bytes[i..<i + $0.bytes.count].elementsEqual($0.bytes) }) {
                if start < i { body(String(decoding: bytes[start..<i], as: UTF8.self), nil) }
                body(pieces[Int(w.id)], w.id)
                i += w.bytes.count
                start = i
            } else {
                i += 1
            }
        }
        if start < bytes.count { body(String(decoding: bytes[start...], as: UTF8.self), nil) }
    }

    /// sentencepiece's remove_extra_whitespaces: no leading or trailing spaces, runs of spaces as one.
    static func collapsingSpaces(_ text: String) -> String {
        text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    private func encodeSegment(_ normalized: String, into out: inout [Int32]) {
        let scalars = Array(normalized.unicodeScalars)
        guard !scalars.isEmpty else { return }
        guard splitsAtSpaces else { return out.append(contentsOf: encodeWord(scalars[...])) }
        var start = 0
        for i in 1..<scalars.count where scalars[i] == Self.space && scalars[i - 1] != Self.space {
            out.append(contentsOf: cachedWord(scalars[start..<i]))
            start = i
        }
        out.append(contentsOf: cachedWord(scalars[start...]))
    }

    private func cachedWord(_ scalars: ArraySlice<Unicode.Scalar>) -> [Int32] {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        let word = String(view)
        if let hit = cache.get(word) { return hit }
        let ids = encodeWord(scalars)
        cache.set(word, ids)
        return ids
    }

    /// One word: scalars as symbols, the best pair merged until none applies, unknown scalars as bytes.
    /// Symbols are a linked list over the scalars' positions: a symbol is named by where it starts.
    private func encodeWord(_ word: ArraySlice<Unicode.Scalar>) -> [Int32] {
        let scalars = Array(word)
        let n = scalars.count
        guard n > 0 else { return [] }
        var ids = scalars.map { index[String($0)] ?? -1 }   // -1: no piece, never merges
        var next = Array(1...n), prev = Array(-1..<(n - 1))  // next == n: the end
        var queue = SentencePieceMergeQueue()
        func consider(_ left: Int) {
            let right = next[left]
            guard left >= 0, right < n, ids[left] >= 0, ids[right] >= 0, let p = pairs[Self.pairKey(ids[left], ids[right])] else { return }
            queue.push(.init(priority: p.priority, left: left, leftID: ids[left], rightID: ids[right]))
        }
        for i in 0..<n - 1 { consider(i) }
        while let e = queue.pop() {
            // Stale unless both symbols are still the ones it paired (a piece's id fixes its length).
            guard ids[e.left] == e.leftID, next[e.left] < n, ids[next[e.left]] == e.rightID,
                  let merged = pairs[Self.pairKey(e.leftID, e.rightID)]?.id else { continue }
            let right = next[e.left]
            ids[e.left] = merged
            ids[right] = -2   // gone
            next[e.left] = next[right]
            if next[right] < n { prev[next[right]] = e.left }
            if prev[e.left] >= 0 { consider(prev[e.left]) }
            consider(e.left)
        }
        var out: [Int32] = []
        var i = 0, previousUnknown = false
        while i < n {
            defer { i = next[i] }
            guard ids[i] == -1 else { out.append(ids[i]); previousUnknown = false; continue }
            // A scalar no piece covers: its UTF-8 bytes, or the unknown piece.
            let bytes = Array(String(scalars[i]).utf8)
            if byteFallback && bytes.allSatisfy({ byteIDs[Int($0)] >= 0 }) {
                out.append(contentsOf: bytes.map { byteIDs[Int($0)] })
            } else if let unk = unknownID {
                // A run of unknown characters is one unknown piece in sentencepiece, and in tokenizers
                // with fuse_unk (as LLaMA's files ask).
                if !(previousUnknown && out.last == unk) { out.append(unk) }
            }
            previousUnknown = true
        }
        return out
    }

    private static func pairKey(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)) }

    // MARK: Decoding

    /// sentencepiece (scores decide): control pieces vanish, unknown ones read " ⁇ ", and while nothing
    /// has been written yet a piece's leading "▁" is the dummy prefix and is dropped (with
    /// remove_extra_whitespaces, until something non-empty is written). tokenizers (LLaMA's decoder:
    /// Replace, ByteFallback, Fuse, Strip): special tokens are skipped and one leading space is stripped.
    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        var atStart: Bool
        var keepsStart = false
        switch whitespace {
        case .sentencePiece(let prefix, let collapse): (atStart, keepsStart) = (prefix || collapse, collapse)
        case .prependEverySegment, .metaspace: atStart = false
        }
        for id in ids where id >= 0 && Int(id) < pieces.count {
            let i = Int(id)
            switch types[i] {
            case 3: continue
            case 2:
                if mergeRules != nil { continue }
                bytes.append(contentsOf: " \u{2047} ".utf8)
            case 6:
                if let b = UInt8(pieces[i].dropFirst(3).dropLast(), radix: 16) { bytes.append(b) }
            default:
                var piece = Substring(pieces[i])
                if atStart && piece.unicodeScalars.first == Self.space { piece = piece.dropFirst() }
                bytes.append(contentsOf: piece.replacingOccurrences(of: "\u{2581}", with: " ").utf8)
            }
            atStart = atStart && keepsStart && bytes.isEmpty
        }
        var text = String(decoding: bytes, as: UTF8.self)
        if mergeRules != nil && text.hasPrefix(" ") { text.removeFirst() }
        return text
    }
}
