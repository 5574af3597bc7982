import Foundation
import ModelIO
import TestSupport
@testable import Tokenizers
import XCTest

/// SentencePiece-style BPE against the Python `sentencepiece` and `tokenizers` packages, on the fixture
/// Fixtures/make_sentencepiece_fixture.py made: from GGUF `llama` metadata, from tokenizer.model, and
/// from tokenizer.json in both of the forms transformers writes for LLaMA; and written back out.
final class SentencePieceTests: XCTestCase {
    struct Case: Decodable {
        let text: String
        let sp: [Int32]
        let hf: [Int32]
        let hf_metaspace: [Int32]
        let decoded: String
    }

    static let folder = Bundle.module.url(forResource: "sentencepiece", withExtension: nil, subdirectory: "Fixtures")!

    func cases() throws -> [Case] {
        try JSONDecoder().decode([Case].self, from: Data(contentsOf: Self.folder.appendingPathComponent("cases.json")))
    }

    func check(_ tok: any Tokenizer, _ expected: KeyPath<Case, [Int32]>, decode: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws {
        let all = try cases()
        XCTAssertGreaterThanOrEqual(all.count, 30)
        for c in all {
            XCTAssertEqual(tok.encode(c.text), c[keyPath: expected], "text: \(c.text.debugDescription)", file: file, line: line)
            if decode { XCTAssertEqual(tok.decode(c.sp), c.decoded, "decode of: \(c.text.debugDescription)", file: file, line: line) }
        }
    }

    func testGGUFMetadataEncodesAsSentencePiece() throws {
        let tok = try loadTokenizer(from: GGUFFile(path: Self.folder.appendingPathComponent("tokenizer.gguf").path))
        XCTAssertTrue(tok is SentencePieceBPETokenizer)
        XCTAssertEqual(tok.bosID, 1)
        XCTAssertTrue(tok.addsBOS)
        try check(tok, \.sp)
    }

    func testTokenizerModelEncodesAsSentencePiece() throws {
        let dir = try TestPaths.temporaryFolder(self)
        try FileManager.default.copyItem(at: Self.folder.appendingPathComponent("tokenizer.model"), to: dir.appendingPathComponent("tokenizer.model"))
        let tok = try loadTokenizer(huggingFaceFolder: dir)
        XCTAssertTrue(tok.kind.contains("SentencePiece"), tok.kind)
        try check(tok, \.sp)
    }

    func testTokenizerJSONEncodesAsTokenizers() throws {
        // Legacy form (normalizer Prepend + Replace): tokenizers matches "<s>" and "</s>" in text.
        try check(loadTokenizer(huggingFaceFolder: Self.folder), \.hf, decode: false)
        // Metaspace form (prepend_scheme "first"): no prefix when the text already starts with a space.
        try check(loadTokenizer(huggingFaceFolder: Self.folder.appendingPathComponent("metaspace")), \.hf_metaspace, decode: false)
        let differ = try cases().filter { $0.sp != $0.hf || $0.hf != $0.hf_metaspace }.count
        XCTAssertGreaterThanOrEqual(differ, 4, "the fixture exercises where the libraries differ")
    }

    func testWrittenOutItEncodesTheSame() throws {
        let dir = try TestPaths.temporaryFolder(self)
        let source = try SentencePieceBPETokenizer.fromGGUF(GGUFFile(path: Self.folder.appendingPathComponent("tokenizer.gguf").path))
        // GGUF metadata → GGUF file → the same sentencepiece ids.
        var w = GGUFWriter()
        for (k, v) in source.ggufMetadata() { w.set(k, v) }
        let gguf = dir.appendingPathComponent("t.gguf").path
        try w.write(to: gguf)
        try check(loadTokenizer(from: GGUFFile(path: gguf)), \.sp)
        // tokenizer.json with merges derived from the scores → the same ids tokenizers gives on its own file.
        let folder = dir.appendingPathComponent("hf")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, data) in try source.huggingFaceFiles() { try data.write(to: folder.appendingPathComponent(name)) }
        try check(loadTokenizer(huggingFaceFolder: folder), \.hf, decode: false)
        // And from a tokenizer.json back to GGUF metadata (ranks become scores).
        let fromJSON = try loadTokenizer(huggingFaceFolder: Self.folder)
        var w2 = GGUFWriter()
        for (k, v) in fromJSON.ggufMetadata() { w2.set(k, v) }
        let gguf2 = dir.appendingPathComponent("t2.gguf").path
        try w2.write(to: gguf2)
        try check(loadTokenizer(from: GGUFFile(path: gguf2)), \.sp)
    }

    func testBadInputsAreRefusedByName() throws {
        let dir = try TestPaths.temporaryFolder(self)
        let model = try Data(contentsOf: Self.folder.appendingPathComponent("tokenizer.model"))
        func folder(_ name: String, model data: Data) throws -> URL {
            let f = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: f, withIntermediateDirectories: true)
            try data.write(to: f.appendingPathComponent("tokenizer.model"))
            return f
        }
        let truncated = try folder("truncated", model: model.prefix(model.count / 2))
        XCTAssertThrowsError(try loadTokenizer(huggingFaceFolder: truncated)) {
            XCTAssertTrue("\($0)".contains("not a SentencePiece model") && "\($0)".contains("truncated"), "\($0)")
        }
        // The same model marked UNIGRAM: a TrainerSpec (field 2) with model_type (field 3) = 1 appended,
        // which protobuf merges over the first one.
        var unigram = model
        unigram.append(contentsOf: [0x12, 0x02, 0x18, 0x01])
        let uni = try folder("unigram", model: unigram)
        XCTAssertThrowsError(try loadTokenizer(huggingFaceFolder: uni)) {
            XCTAssertTrue("\($0)".contains("SentencePiece UNIGRAM models are not supported"), "\($0)")
        }
        // A WordPiece tokenizer.json.
        let wordpiece = dir.appendingPathComponent("wordpiece")
        try FileManager.default.createDirectory(at: wordpiece, withIntermediateDirectories: true)
        try Data(#"{"model":{"type":"WordPiece","vocab":{"a":0}},"normalizer":{"type":"BertNormalizer"},"pre_tokenizer":{"type":"BertPreTokenizer"}}"#.utf8)
            .write(to: wordpiece.appendingPathComponent("tokenizer.json"))
        XCTAssertThrowsError(try loadTokenizer(huggingFaceFolder: wordpiece)) {
            XCTAssertTrue("\($0)".contains("tokenizer WordPiece with normalizer BertNormalizer and pre-tokenizer BertPreTokenizer is not supported"), "\($0)")
        }
        // A GGUF whose tokenizer kind is bert; and a llama one without scores.
        for (name, kind, withScores, message) in [("bert", "bert", true, "tokenizer kind \"bert\" is not supported"),
                                                  ("noscores", "llama", false, "tokenizer.ggml.scores is missing")] {
            var w = GGUFWriter()
            w.set("tokenizer.ggml.model", .string(kind))
            w.set("tokenizer.ggml.tokens", .array(["<unk>", "a"].map { .string($0) }))
            if withScores { w.set("tokenizer.ggml.scores", .array([.float32(0), .float32(0)])) }
            let path = dir.appendingPathComponent("\(name).gguf").path
            try w.write(to: path)
            XCTAssertThrowsError(try loadTokenizer(from: GGUFFile(path: path)), name) {
                XCTAssertTrue("\($0)".hasPrefix(path) && "\($0)".contains(message), "\($0)")
            }
        }
    }
}
