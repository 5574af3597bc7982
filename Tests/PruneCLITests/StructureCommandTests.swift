import Foundation
import TestSupport
import XCTest

/// `prune prune --chain attention.heads` and `--chain blocks`: scored, pruned, saved as a .gguf and as a
/// Hugging Face folder, reloaded to the same perplexity; mismatched scorers refused by name.
final class StructureCommandTests: XCTestCase {
    func testHeadsAndBlocksFromTheCommandLine() throws {
        let dir = try TestPaths.temporaryFolder(self)
        let model = dir.appendingPathComponent("tiny.gguf").path
        try TinyLlama(seed: 61) { $0.layers = 3 }.write(to: model)
        var rng = SeededRandom(seed: 62)
        let text = dir.appendingPathComponent("text.txt").path
        try TinyText.make(characters: 600, using: &rng)
            .write(toFile: text, atomically: true, encoding: .utf8)
        func prune(_ extra: [String]) throws -> [String: Any] {
            let r = try PruneCommand.run(["prune", "--model", model, "--calib", text, "--calib-samples", "4", "--seqlen", "32",
                                          "--cache-dir", dir.appendingPathComponent("cache").path, "--eval", text, "--json"] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        }
        for (chain, scorer, target) in [("attention.heads", "head_norm", "heads.gguf"), ("attention.heads", "head_output", "heads-hf"),
                                        ("blocks", "block_influence", "blocks.gguf"), ("blocks", "angular_distance", "blocks-hf")] {
            let saved = dir.appendingPathComponent(target).path
            let r = try prune(["--chain", chain, "--scorer", scorer, "--pruner", "global", "--pipeline", "chained", "--amount", "0.34",
                               "--save", saved])
            let kept = try XCTUnwrap(r["kept_rows"] as? [String: Int])
            if chain == "blocks" {
                // ceil(0.34 · 3) = 2 of 3 blocks go.
                XCTAssertEqual(kept, ["model.layers": 1])
                XCTAssertEqual((r["ffn_widths"] as? [Int])?.count, 1)
            } else {
                // ceil(0.34 · 6) = 3 of the 6 key/value groups go, none emptying a block.
                XCTAssertEqual(kept.values.reduce(0, +), 3, "\(kept)")
                // `prune inspect` lists each block's key/value heads, GGUF and folder alike.
                let inspect = try PruneCommand.run(["inspect", saved])
                XCTAssertEqual(inspect.status, 0, inspect.stderr)
                let line = try XCTUnwrap(inspect.stdout.split(separator: "\n").first { $0.hasPrefix("heads") }, inspect.stdout)
                // Either one count for every block ("key/value heads 1") or a list, one per block.
                let listed: [Int]
                if let inside = line.split(separator: "[").dropFirst().first?.split(separator: "]").first {
                    listed = inside.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                } else {
                    let one = try XCTUnwrap(line.split(separator: "key/value heads ").dropFirst().first?.split(separator: ",").first.flatMap { Int($0) },
                                            "\(target): \(line)")
                    listed = [one, one, one]
                }
                XCTAssertEqual(listed.count, 3, "\(target): \(line)")
                XCTAssertEqual(listed.reduce(0, +), 3, "\(target): \(line)")
            }
            let ppl = try XCTUnwrap(r["ppl"] as? Double)
            let again = try PruneCommand.run(["eval", "--model", saved, "--text", text, "--seqlen", "32", "--json"])
            XCTAssertEqual(again.status, 0, again.stderr)
            let reloaded = try XCTUnwrap((JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])?["ppl"] as? Double)
            XCTAssertEqual(reloaded, ppl, accuracy: ppl * 1e-5, target)
        }
        let wrong = try PruneCommand.run(["prune", "--model", model, "--calib", text, "--chain", "blocks", "--scorer", "wanda", "--amount", "0.3"])
        XCTAssertEqual(wrong.status, 65, wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("scorer wanda does not score the units of the structure blocks"), wrong.stderr)
        let chain = try PruneCommand.run(["prune", "--model", model, "--calib", text, "--scorer", "wanda", "--pruner", "budget", "--amount", "0.3"])
        XCTAssertEqual(chain.status, 65, chain.stderr)
        XCTAssertTrue(chain.stderr.contains("pruner budget removes a share of the parameters, which needs units of known cost; the chain mlp.up_proj -> mlp.down_proj has none"), chain.stderr)
    }
}
