import Foundation
import TestSupport
import XCTest

/// `--precision bf16` on `prune eval` and `prune prune`, end to end on a tiny random model.
final class PrecisionCommandTests: XCTestCase {
    func files() throws -> (model: String, text: String) {
        let dir = try TestPaths.temporaryFolder(self)
        let model = dir.appendingPathComponent("tiny.gguf").path
        try TinyLlama(seed: 6).write(to: model)
        let textPath = try TinyText.write(dir.appendingPathComponent("t.txt").path, characters: 200, seed: 9)
        return (model, textPath)
    }

    func testEvalInBFloat16IsCloseToFloat32() throws {
        let (model, text) = try files()
        var ppl: [String: Double] = [:]
        for p in ["f32", "bf16"] {
            let r = try PruneCommand.run(["eval", "--model", model, "--text", text, "--seqlen", "64", "--precision", p, "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            XCTAssertEqual(json["precision"] as? String, p)
            ppl[p] = try XCTUnwrap(json["ppl"] as? Double)
        }
        XCTAssertNotEqual(ppl["f32"], ppl["bf16"])
        XCTAssertEqual(ppl["bf16"]!, ppl["f32"]!, accuracy: 0.01 * ppl["f32"]!)
    }

    func testPruneReportsItsPrecision() throws {
        let (model, text) = try files()
        let r = try PruneCommand.run(["prune", "--model", model, "--scorer", "norm", "--amount", "0.3", "--eval", text, "--seqlen", "64",
                                      "--precision", "bf16", "--json", "--cache-dir", try TestPaths.temporaryFolder(self).path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(json["precision"] as? String, "bf16")
        XCTAssertNotNil(json["ppl"] as? Double)
    }

    func testUnknownPrecisionIsAUsageError() throws {
        let (model, text) = try files()
        let r = try PruneCommand.run(["eval", "--model", model, "--text", text, "--precision", "fp8"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("--precision must be one of f32, bf16, got fp8"), r.stderr)
    }
}
