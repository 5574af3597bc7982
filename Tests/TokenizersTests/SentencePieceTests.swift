import Foundation
import ModelIO
import TestSupport
@testable import Tokenizers
import XCTest

/// SentencePiece-style BPE against the Python `sentencepiece` and `tokenizers` packages, on the fixture
/// Fixtures/make_sentencepiece_fixture.py made: from GGUF `llama` metadata, from tokenizer.model, and
/// from tokenizer.json in both of the forms transformers writes for LLaMA; written back out; the
/// sentencepiece settings LLaMA's model leaves alone (variants/); and inputs refused by name.
final class SentencePieceTests: XCTestCase {
    struct Case: Decodable {
        let text: String
        let sp: [Int32]
        let hf: [Int32]
        let hf_metaspace: [Int32]
        let decoded: String
        let hf_decoded: String
        let hf_metaspace_decoded: String
    }

    /// variants/variants.json: sentencepiece on the model with one normalizer setting changed; `text`
    /// nil for id sequences that were only decoded.
    struct VariantCase: Decodable {
        let model: String
        let text: String?
        let ids: [Int32]
        let decoded: String
    }

    static let folder = Bundle.module.url(forResource: "sentencepiece", withExtension: nil, subdirectory: "Fixtures")!

    func cases() throws -> [Case] {
        try JSONDecoder().decode([Case].self, from: Data(contentsOf: Self.folder.appendingPathComponent("cases.json")))
    }

    func variantCases() throws -> [VariantCase] {
        try JSONDecoder().decode([VariantCase].self, from: Data(contentsOf: Self.folder.appendingPathComponent("variants/variants.json")))
    }

    /// Every case encodes to the ids the Python library gave, and those ids decode as it decoded them.
    func check(_ tok: any Tokenizer, _ expected: KeyPath<Case, [Int32]>, decoded: KeyPath<Case, String>,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let all = try cases()
        XCTAssertGreaterThanOrEqual(all.count, 40)
        for c in all {
            XCTAssertEqual(tok.encode(c.text), c[keyPath: expected], "text: \(c.text.debugDescription)", file: file, line: line)
            XCTAssertEqual(tok.decode(c[keyPath: expected]), c[keyPath: decoded], "decode of: \(c.text.debugDescription)", file: file, line: line)
        }
    }

    func testGGUFMetadataEncodesAsSentencePiece() throws {
        let tok = try loadTokenizer(from: GGUFFile(path: Self.folder.appendingPathComponent("tokenizer.gguf").path))
        XCTAssertTrue(tok is SentencePieceBPETokenizer)
        XCTAssertEqual(tok.bosID, 1)
        XCTAssertTrue(tok.addsBOS)
        try check(tok, \.sp, decoded: \.decoded)
    }

    func testTokenizerModelEncodesAsSentencePiece() throws {
        let dir = try TestPaths.temporaryFolder(self)
        try FileManager.default.copyItem(at: Self.folder.appendingPathComponent("tokenizer.model"), to: dir.appendingPathComponent("tokenizer.model"))
        let tok = try loadTokenizer(huggingFaceFolder: dir)
        XCTAssertTrue(tok.kind.contains("SentencePiece"), tok.kind)
        try check(tok, \.sp, decoded: \.decoded)
    }

    func testTokenizerJSONEncodesAsTokenizers() throws {
        // Legacy form (normalizer Prepend + Replace): tokenizers matches "<s>" and "</s>" in text.
        try check(loadTokenizer(huggingFaceFolder: Self.folder), \.hf, decoded: \.hf_decoded)
        // Metaspace form (prepend_scheme "first"): no prefix when the text already starts with a space.
        try check(loadTokenizer(huggingFaceFolder: Self.folder.appendingPathComponent("metaspace")), \.hf_metaspace, decoded: \.hf_metaspace_decoded)
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
        try check(loadTokenizer(from: GGUFFile(path: gguf)), \.sp, decoded: \.decoded)
        // tokenizer.json with merges derived from the scores → the same ids tokenizers gives on its own file.
        let folder = dir.appendingPathComponent("hf")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, data) in try source.huggingFaceFiles() { try data.write(to: folder.appendingPathComponent(name)) }
        try check(loadTokenizer(huggingFaceFolder: folder), \.hf, decoded: \.hf_decoded)
        try checkWithPythonTokenizers(folder.appendingPathComponent("tokenizer.json"), scratch: dir)
        // And from a tokenizer.json back to GGUF metadata (ranks become scores).
        let fromJSON = try loadTokenizer(huggingFaceFolder: Self.folder)
        var w2 = GGUFWriter()
        for (k, v) in fromJSON.ggufMetadata() { w2.set(k, v) }
        let gguf2 = dir.appendingPathComponent("t2.gguf").path
        try w2.write(to: gguf2)
        try check(loadTokenizer(from: GGUFFile(path: gguf2)), \.sp, decoded: \.decoded)
    }

    /// Hugging Face tokenizers itself reads the tokenizer.json this tool wrote and gives the ids it gives
    /// on its own file.
    func checkWithPythonTokenizers(_ file: URL, scratch: URL) throws {
        try Python.require(["tokenizers"])
        let texts = scratch.appendingPathComponent("texts.json")
        try JSONEncoder().encode(try cases().map(\.text)).write(to: texts)
        let (status, out) = try Python.run("""
            import json, sys
            from tokenizers import Tokenizer
            t = Tokenizer.from_file(sys.argv[1])
            print(json.dumps([t.encode(s).ids for s in json.load(open(sys.argv[2]))]))
            """, [file.path, texts.path])
        XCTAssertEqual(status, 0)
        XCTAssertEqual(try JSONDecoder().decode([[Int32]].self, from: out), try cases().map(\.hf))
    }

    /// The settings LLaMA's model leaves alone (whitespace collapsing on, no dummy prefix, no byte
    /// fallback so unknown runs become one <unk>) and sentencepiece's decoding of edge id sequences.
    func testNormalizerVariantsEncodeAndDecodeAsSentencePiece() throws {
        let all = try variantCases()
        let models = Set(all.map(\.model))
        XCTAssertEqual(models, ["collapse.model", "no_prefix.model", "no_byte_fallback.model", "../tokenizer.model"])
        let gguf = try loadTokenizer(from: GGUFFile(path: Self.folder.appendingPathComponent("tokenizer.gguf").path))
        for name in models.sorted() {
            let tok = try SentencePieceBPETokenizer.fromModelFile(path: Self.folder.appendingPathComponent("variants/\(name)").path)
            // The GGUF metadata written from it must carry the same settings.
            var w = GGUFWriter()
            for (k, v) in tok.ggufMetadata() { w.set(k, v) }
            let path = try TestPaths.temporaryFolder(self).appendingPathComponent("v.gguf").path
            try w.write(to: path)
            let viaGGUF = try loadTokenizer(from: GGUFFile(path: path))
            for c in all where c.model == name {
                let what = "\(name): \(c.text?.debugDescription ?? "decode \(c.ids)")"
                if let text = c.text {
                    XCTAssertEqual(tok.encode(text), c.ids, what)
                    XCTAssertEqual(viaGGUF.encode(text), c.ids, what)
                }
                XCTAssertEqual(tok.decode(c.ids), c.decoded, what)
                XCTAssertEqual(viaGGUF.decode(c.ids), c.decoded, what)
                if name == "../tokenizer.model" { XCTAssertEqual(gguf.decode(c.ids), c.decoded, what) }
            }
            // tokenizer.json has no form for the first two; writing one is refused rather than approximated.
            if name == "collapse.model" || name == "no_prefix.model" {
                XCTAssertThrowsError(try tok.huggingFaceFiles(), name) { XCTAssertTrue("\($0)".contains("no tokenizer.json form"), "\($0)") }
            }
        }
        let differ = Set(all.filter { $0.text != nil }.map { "\($0.text!)|\($0.ids)" }).count
        XCTAssertGreaterThan(differ, try cases().count, "the variants encode differently from one another")
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
        // The same model with the nmt_nfkc normalizer and a (dummy) precompiled character map: a
        // NormalizerSpec (field 3) with name (1) and precompiled_charsmap (2), merged over the first.
        var nfkc = model
        nfkc.append(contentsOf: [0x1A, 0x0D, 0x0A, 0x08] + Array("nmt_nfkc".utf8) + [0x12, 0x01, 0x00])
        let nf = try folder("nfkc", model: nfkc)
        XCTAssertThrowsError(try loadTokenizer(huggingFaceFolder: nf)) {
            XCTAssertTrue("\($0)".contains("the nmt_nfkc normalizer (a precompiled character map) is not supported"), "\($0)")
        }
        // LLaMA's tokenizer.json with its added tokens matched after normalisation.
        let normalized = dir.appendingPathComponent("normalized")
        try FileManager.default.createDirectory(at: normalized, withIntermediateDirectories: true)
        let json = try String(contentsOf: Self.folder.appendingPathComponent("tokenizer.json"), encoding: .utf8)
        XCTAssertTrue(json.contains("\"normalized\": false"))
        try json.replacingOccurrences(of: "\"normalized\": false", with: "\"normalized\": true")
            .write(to: normalized.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try loadTokenizer(huggingFaceFolder: normalized)) {
            XCTAssertTrue("\($0)".contains("added token \"<unk>\" has normalized true"), "\($0)")
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
