import Foundation
import ModelIO
import TestSupport
@testable import Tokenizers
import XCTest

/// The tokenizer against Hugging Face `tokenizers` (Fixtures/bpe_cases.json, made by
/// Fixtures/make_tokenizer_fixture.py), against the PyTorch reference's token ids, and on the corpus.
final class ByteLevelBPETests: XCTestCase {
    nonisolated(unsafe) static var loaded: ByteLevelBPETokenizer?

    func tokenizer() throws -> ByteLevelBPETokenizer {
        if let t = Self.loaded { return t }
        let t = try ByteLevelBPETokenizer.fromGGUF(GGUFFile(path: TestPaths.requireModel()))
        Self.loaded = t
        return t
    }

    struct Case: Decodable {
        let text: String
        let ids: [Int32]
        let decoded: String
    }

    func testMatchesHuggingFaceOnTrickyText() throws {
        let tok = try tokenizer()
        let url = try XCTUnwrap(Bundle.module.url(forResource: "bpe_cases", withExtension: "json", subdirectory: "Fixtures"))
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
        XCTAssertGreaterThan(cases.map(\.text.count).reduce(0, +), 2500)
        for c in cases {
            XCTAssertEqual(tok.encode(c.text), c.ids, "text: \(c.text.debugDescription)")
            XCTAssertEqual(tok.decode(c.ids), c.decoded, "decode of: \(c.text.debugDescription)")
            XCTAssertEqual(tok.decode(tok.encode(c.text)), c.text, "round trip of: \(c.text.debugDescription)")
        }
    }

    func testMatchesTheReferenceTokenIDs() throws {
        let tok = try tokenizer()
        let url = try TestPaths.requireReference("tokens_head.json")
        let head = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let ids = (head["ids"] as! [Int]).map(Int32.init)
        XCTAssertEqual(ids.count, 567)
        XCTAssertEqual(tok.encode(head["text"] as! String), ids)
        let strings = head["tokens"] as! [String]
        XCTAssertEqual(ids.map { tok.vocabulary[Int($0)] }, strings)
    }

    func testCorpusTokenCounts() throws {
        let tok = try tokenizer()
        for (name, count) in [("calib.txt", 791_106), ("eval.txt", 231_884)] {
            let text = try String(contentsOfFile: TestPaths.requireData(name), encoding: .utf8)
            let start = Date()
            XCTAssertEqual(tok.encode(text).count, count, name)
            print("\(name): \(count) tokens in \(String(format: "%.3f", Date().timeIntervalSince(start))) s")
        }
    }

    func testMetadataFacts() throws {
        let tok = try tokenizer()
        XCTAssertEqual(tok.vocabularySize, 49152)
        XCTAssertEqual(tok.bosID, 1)
        XCTAssertEqual(tok.eosID, 2)
        XCTAssertFalse(tok.addsBOS)
        XCTAssertEqual(tok.encode("<|im_start|>"), [1])
    }

    func testBOSIsAddedWhenTheMetadataAsks() throws {
        let t = try ByteLevelBPETokenizer(vocabulary: ["<s>", "a", "b", "ab"], merges: ["a b"], specialIDs: [0], bosID: 0, eosID: nil, addsBOS: true)
        XCTAssertEqual(t.encode("abab"), [0, 3, 3])
        XCTAssertEqual(t.encode("ba"), [0, 2, 1])
    }

    func testUnsupportedKindIsRefusedByName() throws {
        let dir = try TestPaths.temporaryFolder(self)
        let path = dir.appendingPathComponent("t.gguf").path
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        w.set("tokenizer.ggml.model", .string("bert"))
        try w.write(to: path)
        XCTAssertThrowsError(try loadTokenizer(from: GGUFFile(path: path))) {
            XCTAssertEqual("\($0)", "\(path): tokenizer kind \"bert\" is not supported (this version reads gpt2, byte-level BPE, and llama, SentencePiece BPE)")
        }
    }
}

/// The split alone, on cases whose pieces were worked out by hand from GPT-2's pattern.
final class GPT2SplitTests: XCTestCase {
    func pieces(_ text: String) -> [String] {
        let s = Array(text.unicodeScalars)
        var out: [String] = []
        GPT2Split.split(s) { a, b in
            var v = String.UnicodeScalarView()
            v.append(contentsOf: s[a..<b])
            out.append(String(v))
        }
        return out
    }

    func testHandWorkedCases() {
        XCTAssertEqual(pieces("Hello world"), ["Hello", " world"])
        XCTAssertEqual(pieces("it's they're I'M"), ["it", "'s", " they", "'re", " I", "'", "M"])
        XCTAssertEqual(pieces("a   b"), ["a", "  ", " b"])
        XCTAssertEqual(pieces("a \n b"), ["a", " \n", " b"])
        XCTAssertEqual(pieces("x  \ny"), ["x", "  ", "\n", "y"])
        XCTAssertEqual(pieces("end   "), ["end", "   "])
        XCTAssertEqual(pieces("12345 678"), ["12345", " 678"])
        XCTAssertEqual(pieces("?!' 's"), ["?!'", " '", "s"])
        XCTAssertEqual(pieces("naïve café"), ["naïve", " café"])
        XCTAssertEqual(pieces("x²3"), ["x", "²3"])
        XCTAssertEqual(pieces("a\u{00A0}b"), ["a", "\u{00A0}", "b"])
        XCTAssertEqual(pieces(""), [])
    }
}
