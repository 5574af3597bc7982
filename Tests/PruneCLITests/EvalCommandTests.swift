import Foundation
import TestSupport
import XCTest

/// `prune eval` and `prune inspect` end to end on a tiny random model.
final class EvalCommandTests: XCTestCase {
    func testEvalJSONOnTinyModel() throws {
        let dir = try TestPaths.temporaryFolder(self)
        let model = dir.appendingPathComponent("tiny.gguf").path
        try TinyLlama(seed: 6).write(to: model)
        // The tiny vocabulary is the printable ASCII symbols, one token each.
        let textPath = try TinyText.write(dir.appendingPathComponent("t.txt").path, characters: 200, seed: 9)
        let r = try PruneCommand.run(["eval", "--model", model, "--text", textPath, "--seqlen", "64", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(json["windows"] as? Int, 3)            // 200 tokens → 3 windows of 64, tail dropped
        XCTAssertEqual(json["predicted_tokens"] as? Int, 189)  // 63 per window
        XCTAssertEqual(json["text_tokens"] as? Int, 200)
        let ppl = try XCTUnwrap(json["ppl"] as? Double), nll = try XCTUnwrap(json["mean_nll"] as? Double)
        XCTAssertEqual(ppl, exp(nll), accuracy: 1e-9 * ppl)
        // A random model over 100 tokens: perplexity near the vocabulary size, far from 1.
        XCTAssertGreaterThan(ppl, 20)
        XCTAssertLessThan(ppl, 500)
        for key in ["seconds", "tokens_per_second", "protocol"] { XCTAssertNotNil(json[key], key) }
    }

    func testInspectTinyModel() throws {
        let dir = try TestPaths.temporaryFolder(self)
        let model = dir.appendingPathComponent("tiny.gguf").path
        try TinyLlama(seed: 6).write(to: model)
        let r = try PruneCommand.run(["inspect", model, "--tensors"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("architecture  llama"), r.stdout)
        XCTAssertTrue(r.stdout.contains("heads         4 (key/value heads 2, head size 16)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("model.layers.1.mlp.up_proj.weight"), r.stdout)
        XCTAssertTrue(r.stdout.contains("[96, 64]"), r.stdout)
    }
}
