import Foundation
import ModelIO

/// SentencePiece's `tokenizer.model`: a protobuf `ModelProto`, read with a small wire-format reader.
/// Only the fields that decide how text is encoded are kept; settings this tool does not reproduce are
/// refused by name when the file is read.
struct SentencePieceModelFile {
    struct Piece {
        var text = ""
        var score: Float = 0
        var type: Int32 = 1   // 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte
    }

    var pieces: [Piece] = []
    var modelType: Int32 = 1            // TrainerSpec.model_type: 1 unigram (the default), 2 BPE, 3 word, 4 char
    var byteFallback = false
    var treatWhitespaceAsSuffix = false
    var normalizerName = ""
    var hasCharsMap = false
    var addDummyPrefix = true
    var removeExtraWhitespaces = true
    var escapeWhitespaces = true

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelIOError(path, "no such file") }
        do {
            try read(Array(data))
        } catch let e as ProtobufError {
            throw ModelIOError(path, "not a SentencePiece model (\(e.message))")
        }
        guard !pieces.isEmpty else { throw ModelIOError(path, "not a SentencePiece model (it lists no pieces)") }
        guard pieces.count <= maxVocabulary else {
            throw ModelIOError(path, "the model lists \(pieces.count) pieces; at most \(maxVocabulary) are supported")
        }
        guard modelType == 2 else {
            let name = [1: "UNIGRAM", 3: "WORD", 4: "CHAR"][Int(modelType)] ?? "type \(modelType)"
            throw ModelIOError(path, "SentencePiece \(name) models are not supported (this tool reproduces BPE exactly)")
        }
        if treatWhitespaceAsSuffix { throw ModelIOError(path, "treat_whitespace_as_suffix is not supported") }
        if !escapeWhitespaces { throw ModelIOError(path, "escape_whitespaces false is not supported") }
        // sentencepiece applies a precompiled character map whatever the normalizer is called.
        if hasCharsMap {
            throw ModelIOError(path, "the \(normalizerName.isEmpty ? "custom" : normalizerName) normalizer (a precompiled character map) is not supported; only identity")
        }
    }

    private mutating func read(_ bytes: [UInt8]) throws {
        var top = ProtobufReader(bytes[...])
        while let (field, wire) = try top.nextKey() {
            switch (field, wire) {
            case (1, 2): pieces.append(try Self.piece(top.bytes()))
            case (2, 2):
                var t = ProtobufReader(try top.bytes())
                while let (f, w) = try t.nextKey() {
                    switch (f, w) {
                    case (3, 0): modelType = Int32(truncatingIfNeeded: try t.varint())
                    case (24, 0): treatWhitespaceAsSuffix = try t.varint() != 0
                    case (35, 0): byteFallback = try t.varint() != 0
                    default: try t.skip(w)
                    }
                }
            case (3, 2):
                var n = ProtobufReader(try top.bytes())
                while let (f, w) = try n.nextKey() {
                    switch (f, w) {
                    case (1, 2): normalizerName = String(decoding: try n.bytes(), as: UTF8.self)
                    case (2, 2): hasCharsMap = !(try n.bytes()).isEmpty
                    case (3, 0): addDummyPrefix = try n.varint() != 0
                    case (4, 0): removeExtraWhitespaces = try n.varint() != 0
                    case (5, 0): escapeWhitespaces = try n.varint() != 0
                    default: try n.skip(w)
                    }
                }
            default: try top.skip(wire)
            }
        }
    }

    private static func piece(_ bytes: ArraySlice<UInt8>) throws -> Piece {
        var p = Piece()
        var r = ProtobufReader(bytes)
        while let (f, w) = try r.nextKey() {
            switch (f, w) {
            case (1, 2): p.text = String(decoding: try r.bytes(), as: UTF8.self)
            case (2, 5): p.score = Float(bitPattern: try r.fixed32())
            case (3, 0): p.type = Int32(truncatingIfNeeded: try r.varint())
            default: try r.skip(w)
            }
        }
        return p
    }
}

struct ProtobufError: Error {
    let message: String
}

/// Protobuf wire format: keys are varints (field number << 3 | wire type); wire type 0 is a varint,
/// 1 eight bytes, 2 a length-prefixed run, 5 four bytes.
struct ProtobufReader {
    private var rest: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) { rest = bytes }

    mutating func nextKey() throws -> (field: Int, wire: Int)? {
        guard !rest.isEmpty else { return nil }
        let key = try varint()
        return (Int(key >> 3), Int(key & 7))
    }

    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard let byte = rest.popFirst() else { throw ProtobufError(message: "truncated varint") }
            guard shift < 64 else { throw ProtobufError(message: "varint longer than 10 bytes") }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    mutating func bytes() throws -> ArraySlice<UInt8> {
        let n = try varint()
        guard n <= UInt64(rest.count) else { throw ProtobufError(message: "a field of \(n) bytes runs past the end (truncated?)") }
        let out = rest.prefix(Int(n))
        rest = rest.dropFirst(Int(n))
        return out
    }

    mutating func fixed32() throws -> UInt32 {
        guard rest.count >= 4 else { throw ProtobufError(message: "truncated fixed32") }
        let b = Array(rest.prefix(4))
        rest = rest.dropFirst(4)
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }

    mutating func skip(_ wire: Int) throws {
        switch wire {
        case 0: _ = try varint()
        case 1:
            guard rest.count >= 8 else { throw ProtobufError(message: "truncated fixed64") }
            rest = rest.dropFirst(8)
        case 2: _ = try bytes()
        case 5: _ = try fixed32()
        default: throw ProtobufError(message: "unknown wire type \(wire)")
        }
    }
}
