import Evaluation
import Foundation
import ModelIO
import Tokenizers

/// Where calibration tokens come from and how many to take.
public struct CalibrationSpec: Codable, Hashable, Sendable {
    /// A JSON list of token-id lists (used as given), a JSON-lines file of {"text": ...} documents, or a
    /// plain text file (one document).
    public var path: String
    public var samples: Int
    public var seqlen: Int
    public var seed: Int

    public init(path: String, samples: Int = 64, seqlen: Int = 512, seed: Int = 42) {
        self.path = path
        self.samples = samples
        self.seqlen = seqlen
        self.seed = seed
    }

    public enum Kind: String, Sendable { case tokenWindows = "token windows", jsonLines = "JSON lines", text }

    public var kind: Kind {
        if path.hasSuffix(".jsonl") { return .jsonLines }
        if path.hasSuffix(".json") { return .tokenWindows }
        return .text
    }

    public func validate() throws {
        guard samples >= 1 else { throw PruningError("calibration samples must be at least 1, got \(samples)") }
        guard seqlen >= 2 else { throw PruningError("calibration seqlen must be at least 2, got \(seqlen)") }
        guard seed >= 0 else { throw PruningError("calibration seed must be non-negative, got \(seed)") }
    }
}

/// The calibration windows, sampled as the reference (SparseGPT's C4 loader, used by LLM-Rank) samples
/// them: CPython's `random.seed(seed)`, then `samples` times: pick a document with `randint(0, docs − 1)`
/// until one has more than `seqlen` tokens, pick a start with `randint(0, tokens − seqlen − 1)`, take
/// `seqlen` tokens. A plain text file is one document (its `randint(0, 0)` still draws, as in Python).
public enum CalibrationData {
    /// The windows, and the SHA-256 of the file bytes they were made from.
    public struct Loaded: Sendable {
        public let windows: [[Int32]]
        public let fileSHA256: String
    }

    public static func windows(_ spec: CalibrationSpec, tokenizer: any Tokenizer) throws -> [[Int32]] {
        try load(spec, tokenizer: tokenizer).windows
    }

    public static func load(_ spec: CalibrationSpec, tokenizer: any Tokenizer) throws -> Loaded {
        try spec.validate()
        let contents = try TextFile.bytes(spec.path)
        guard !contents.data.isEmpty else { throw ModelIOError(spec.path, "is empty") }
        return Loaded(windows: try windows(contents.data, spec: spec, tokenizer: tokenizer), fileSHA256: contents.sha256)
    }

    static func windows(_ data: Data, spec: CalibrationSpec, tokenizer: any Tokenizer) throws -> [[Int32]] {
        switch spec.kind {
        case .tokenWindows:
            let windows: [[Int32]]
            do { windows = try JSONDecoder().decode([[Int32]].self, from: data) } catch {
                throw ModelIOError(spec.path, "not a JSON list of token-id lists: \(error)")
            }
            guard !windows.isEmpty, windows.allSatisfy({ !$0.isEmpty }) else { throw ModelIOError(spec.path, "holds no token windows") }
            if let bad = windows.joined().first(where: { $0 < 0 || Int($0) >= tokenizer.vocabularySize }) {
                throw ModelIOError(spec.path, "token id \(bad) is outside the vocabulary of \(tokenizer.vocabularySize)")
            }
            return windows
        case .text:
            guard let text = String(data: data, encoding: .utf8) else { throw ModelIOError(spec.path, "not valid UTF-8 text") }
            return try sample(documents: [text], spec: spec, tokenizer: tokenizer)
        case .jsonLines:
            return try sample(documents: try jsonLines(data, path: spec.path), spec: spec, tokenizer: tokenizer)
        }
    }

    static func sample(documents: [String], spec: CalibrationSpec, tokenizer: any Tokenizer) throws -> [[Int32]] {
        guard !documents.isEmpty else { throw ModelIOError(spec.path, "holds no documents") }
        var rng = PythonRandom(seed: UInt64(spec.seed))
        var tokenized: [Int: [Int32]] = [:]
        var longEnough: Bool? = nil
        var windows: [[Int32]] = []
        for _ in 0..<spec.samples {
            var ids: [Int32]
            repeat {
                let d = rng.randint(0, documents.count - 1)
                if tokenized[d] == nil { tokenized[d] = tokenizer.encode(documents[d]) }
                ids = tokenized[d]!
                if ids.count <= spec.seqlen, longEnough == nil, tokenized.count == documents.count {
                    longEnough = tokenized.values.contains { $0.count > spec.seqlen }
                }
                if longEnough == false {
                    throw ModelIOError(spec.path, "no document has more than \(spec.seqlen) tokens (seqlen); use a longer text or a smaller seqlen")
                }
            } while ids.count <= spec.seqlen
            let start = rng.randint(0, ids.count - spec.seqlen - 1)
            windows.append(Array(ids[start..<start + spec.seqlen]))
        }
        return windows
    }

    static func jsonLines(_ data: Data, path: String) throws -> [String] {
        var docs: [String] = []
        for (n, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() where !line.allSatisfy({ $0 == 32 || $0 == 13 }) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any], let text = object["text"] as? String else {
                throw ModelIOError(path, "line \(n + 1) is not a JSON object with a \"text\" string")
            }
            docs.append(text)
        }
        return docs
    }
}
