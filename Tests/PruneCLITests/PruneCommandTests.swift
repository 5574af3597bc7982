import Foundation
import TestSupport
import XCTest

/// `prune prune` end to end on a tiny random model: JSON facts, the statistics cache, saving and
/// reloading, and refusals of bad values.
final class PruneCommandTests: XCTestCase {
    var dir = URL(fileURLWithPath: "/")
    var model = ""
    var text = ""

    override func setUpWithError() throws {
        dir = try TestPaths.temporaryFolder(self)
        model = dir.appendingPathComponent("tiny.gguf").path
        try TinyLlama(seed: 31).write(to: model)
        // Printable ASCII only: the tiny vocabulary's one-character tokens.
        var rng = SeededRandom(seed: 32)
        let content = TinyText.make(characters: 600, using: &rng)
        text = dir.appendingPathComponent("text.txt").path
        try content.write(toFile: text, atomically: true, encoding: .utf8)
    }

    func prune(_ extra: [String]) throws -> CommandResult {
        try PruneCommand.run(["prune", "--model", model, "--calib", text, "--calib-samples", "4", "--seqlen", "32",
                              "--cache-dir", dir.appendingPathComponent("cache").path] + extra)
    }

    func json(_ r: CommandResult) throws -> [String: Any] {
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
    }

    func testJSONFactsAndTheStatisticsCache() throws {
        let args = ["--scorer", "wanda", "--pipeline", "isolated", "--amount", "0.3", "--eval", text, "--json"]
        let first = try json(prune(args))
        XCTAssertEqual(first["calibration_cached"] as? Bool, false)
        let kept = try XCTUnwrap(first["kept_rows"] as? [String: Int])
        // round(0.3 · 96) = 29 of the 96 up rows go, round(0.3 · 64) = round(19.2) = 19 of 64 down rows.
        XCTAssertEqual(kept["model.layers.0.mlp.up_proj"], 67)
        XCTAssertEqual(kept["model.layers.1.mlp.down_proj"], 45)
        XCTAssertEqual(kept.count, 4)
        let total = try XCTUnwrap(first["params_total"] as? Int)
        let stored = try XCTUnwrap(first["params_stored"] as? Int)
        let nonzero = try XCTUnwrap(first["params_nonzero"] as? Int)
        XCTAssertEqual(total, 2 * 100 * 64 + 64 + 2 * (64 * 64 * 2 + 32 * 64 * 2 + 96 * 64 * 3 + 2 * 64))
        // Per layer: 29 neurons × (gate row + up row + down column) go from the file; the 19 down rows
        // removed from the 67 columns left are stored as zeros (down_proj keeps its shape in every format).
        XCTAssertEqual(stored, total - 2 * 29 * 3 * 64)
        XCTAssertEqual(nonzero, stored - 2 * 19 * 67)
        let ppl = try XCTUnwrap(first["ppl"] as? Double)
        XCTAssertTrue(ppl.isFinite && ppl > 1)
        for key in ["timings", "peak_rss_mb", "model_sha256", "ffn_widths"] { XCTAssertNotNil(first[key], key) }

        let second = try json(prune(args))
        XCTAssertEqual(second["calibration_cached"] as? Bool, true)
        XCTAssertEqual(second["ppl"] as? Double, ppl)
    }

    func testSavedModelReloadsToTheSamePerplexity() throws {
        let saved = dir.appendingPathComponent("pruned.gguf").path
        let r = try json(prune(["--scorer", "wpr(gamma: 0.5)", "--amount", "0.5", "--eval", text, "--save", saved, "--json"]))
        let ppl = try XCTUnwrap(r["ppl"] as? Double)
        let again = try json(PruneCommand.run(["eval", "--model", saved, "--text", text, "--seqlen", "32", "--json"]))
        XCTAssertEqual(try XCTUnwrap(again["ppl"] as? Double), ppl, accuracy: ppl * 1e-5)
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("pruned.pruning.json"))) as! [String: Any]
        let keptRows = try XCTUnwrap(record["kept_rows"] as? [String: [Int]])
        XCTAssertEqual(keptRows["model.layers.0.mlp.up_proj"]?.count, 48)
        XCTAssertEqual(record["scorer"] as? String, "wpr(gamma: 0.5)")
        XCTAssertNotNil(record["model_sha256"])
    }

    /// `--save DIR` writes a Hugging Face folder; global pruning leaves layers of different widths, so
    /// the folder pads them with zero neurons, says so, and still reloads to the same perplexity.
    func testSavedFolderReloadsToTheSamePerplexity() throws {
        let saved = dir.appendingPathComponent("pruned-hf").path
        let r = try json(prune(["--scorer", "wanda", "--pruner", "global", "--pipeline", "chained", "--amount", "0.4",
                                "--eval", text, "--save", saved, "--json"]))
        let ppl = try XCTUnwrap(r["ppl"] as? Double)
        let widths = try XCTUnwrap(r["ffn_widths"] as? [Int])
        XCTAssertGreaterThan(Set(widths).count, 1, "global pruning of this model leaves layers of different widths: \(widths)")
        XCTAssertEqual(r["saved_padded_to"] as? Int, widths.max())
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: saved + "/config.json"))) as! [String: Any]
        XCTAssertEqual(config["intermediate_size"] as? Int, widths.max())
        XCTAssertEqual(config["prune_intermediate_sizes"] as? [Int], widths)
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: saved + "/pruning.json"))) as! [String: Any]
        XCTAssertEqual(record["padded_to_intermediate_size"] as? Int, widths.max())
        let again = try json(PruneCommand.run(["eval", "--model", saved, "--text", text, "--seqlen", "32", "--json"]))
        XCTAssertEqual(try XCTUnwrap(again["ppl"] as? Double), ppl, accuracy: ppl * 1e-5)
    }

    /// A global pruning that would empty a layer (the wide first layer's normalised scores are all below
    /// the others') keeps one row of it; the saved model, as .gguf and as a folder, reloads to the same
    /// perplexity.
    func testGlobalPruningThatWouldEmptyALayerSavesAndReloads() throws {
        let wide = dir.appendingPathComponent("wide.gguf").path
        try TinyLlama(seed: 33) { $0.ffnWidths = [256, 16] }.write(to: wide)
        for target in ["emptied.gguf", "emptied-hf"] {
            let saved = dir.appendingPathComponent(target).path
            let r = try json(PruneCommand.run(["prune", "--model", wide, "--scorer", "norm", "--pruner", "global", "--amount", "0.9",
                                               "--seqlen", "32", "--eval", text, "--save", saved, "--json"]))
            let kept = try XCTUnwrap(r["kept_rows"] as? [String: Int])
            XCTAssertEqual(kept["model.layers.0.mlp.up_proj"], 1, "\(kept)")
            XCTAssertEqual(kept.values.reduce(0, +), 400 - 360, "ceil(0.9 · 400) rows still go: \(kept)")
            let ppl = try XCTUnwrap(r["ppl"] as? Double)
            let again = try json(PruneCommand.run(["eval", "--model", saved, "--text", text, "--seqlen", "32", "--json"]))
            XCTAssertEqual(try XCTUnwrap(again["ppl"] as? Double), ppl, accuracy: ppl * 1e-5, target)
        }
    }

    func testBadValuesAreRefused() throws {
        var r = try prune(["--amount", "1.5"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("--amount must lie in [0, 1), got 1.5"), r.stderr)
        r = try prune(["--scorer", "pagerank"])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("unknown scorer `pagerank`; known scorers: norm, random, activation, wanda, wpr, mpr"), r.stderr)
        r = try prune(["--scorer", "wpr(gamma: 2)"])
        XCTAssertTrue(r.stderr.contains("wpr: gamma must lie in [0, 1], got 2"), r.stderr)
        r = try prune(["--chain", "mlp.up_proj -> mlp.dwn_proj"])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("no linear module `mlp.dwn_proj`; they have: self_attn.q_proj"), r.stderr)
        r = try prune(["--layers", "model.blocks"])
        XCTAssertTrue(r.stderr.contains("the model has no block list `model.blocks`; it has: model.layers"), r.stderr)
        r = try PruneCommand.run(["prune", "--model", model, "--calib", dir.appendingPathComponent("none.txt").path])
        XCTAssertEqual(r.status, 66)
        XCTAssertTrue(r.stderr.contains("none.txt: no such file"), r.stderr)
        r = try prune(["--pipeline", "serial"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("--pipeline must be isolated or chained, got serial"), r.stderr)
        r = try prune(["--save-dtype", "q5_0"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("--save-dtype must be one of f32, f16, bf16, q8_0, q4_0, q4_1 (got q5_0)"), r.stderr)
        let folder = dir.appendingPathComponent("hf-q4").path
        r = try prune(["--save", folder, "--save-dtype", "q4_1"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("q4_1 is a GGUF storage type; a Hugging Face folder holds f32, f16 or bf16"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder))
    }

    func testReconstructionIsReportedSavedAndRefusedByName() throws {
        let saved = dir.appendingPathComponent("refit.gguf").path
        let r = try json(prune(["--chain", "mlp.neurons", "--scorer", "neuron_output", "--amount", "0.3", "--reconstruct", "least_squares",
                                "--eval", text, "--save", saved, "--json"]))
        XCTAssertEqual(r["reconstruction"] as? String, "least_squares")
        XCTAssertEqual(r["structure"] as? String, "model.layers: mlp.neurons")
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("refit.pruning.json"))) as? [String: Any])
        XCTAssertEqual(record["reconstruction"] as? String, "least_squares")
        var e = try prune(["--chain", "mlp.neurons", "--scorer", "neuron_output", "--reconstruct", "least_square"])
        XCTAssertEqual(e.status, 65)
        XCTAssertTrue(e.stderr.contains("unknown reconstruction `least_square`; known reconstructions: bias, least_squares"), e.stderr)
        e = try prune(["--scorer", "wanda", "--chain", "self_attn.q_proj", "--pipeline", "isolated", "--reconstruct", "bias"])
        XCTAssertEqual(e.status, 65)
        XCTAssertTrue(e.stderr.contains("the structure also prunes self_attn.q_proj"), e.stderr)
        e = try prune(["--scorer", "neuron_output"])
        XCTAssertEqual(e.status, 65)
        XCTAssertTrue(e.stderr.contains("scorer neuron_output scores FFN neurons"), e.stderr)
    }
}
