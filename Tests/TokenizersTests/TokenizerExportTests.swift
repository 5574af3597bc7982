import Foundation
import ModelIO
import TestSupport
@testable import Tokenizers
import XCTest

/// SmolLM2's tokenizer written out as tokenizer.json and as GGUF metadata encodes like the original,
/// in this tool and (when the Python package is importable) in Hugging Face `tokenizers` itself.
final class TokenizerExportTests: XCTestCase {
    struct Case: Decodable {
        let text: String
        let ids: [Int32]
    }

    func cases() throws -> [Case] {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "bpe_cases", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
    }

    func testTokenizerJSONAndGGUFMetadataReproduceTheOriginal() throws {
        let original = try loadTokenizer(from: GGUFFile(path: TestPaths.requireModel()))
        let dir = try TestPaths.temporaryFolder(self)
        for (name, data) in try original.huggingFaceFiles() { try data.write(to: dir.appendingPathComponent(name)) }
        let fromJSON = try loadTokenizer(huggingFaceFolder: dir)
        var w = GGUFWriter()
        for (k, v) in original.ggufMetadata() { w.set(k, v) }
        w.set("general.architecture", .string("llama"))
        let ggufPath = dir.appendingPathComponent("tokenizer.gguf").path
        try w.write(to: ggufPath)
        let fromGGUF = try loadTokenizer(from: GGUFFile(path: ggufPath))
        for c in try cases() {
            XCTAssertEqual(fromJSON.encode(c.text), c.ids, c.text)
            XCTAssertEqual(fromGGUF.encode(c.text), c.ids, c.text)
        }
        XCTAssertEqual(fromJSON.bosID, original.bosID)
        XCTAssertEqual(fromJSON.eosID, original.eosID)
        XCTAssertEqual(fromJSON.addsBOS, original.addsBOS)

        // Hugging Face tokenizers on the file we wrote.
        try Python.require(["tokenizers"])
        let texts = dir.appendingPathComponent("texts.json")
        try JSONEncoder().encode(try cases().map(\.text)).write(to: texts)
        let (status, out) = try Python.run("""
            import json, sys
            from tokenizers import Tokenizer
            t = Tokenizer.from_file(sys.argv[1])
            print(json.dumps([t.encode(s).ids for s in json.load(open(sys.argv[2]))]))
            """, [dir.appendingPathComponent("tokenizer.json").path, texts.path])
        XCTAssertEqual(status, 0)
        let ids = try JSONDecoder().decode([[Int32]].self, from: out)
        XCTAssertEqual(ids, try cases().map(\.ids))
    }
}
