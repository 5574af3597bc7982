import Foundation
import TestSupport
import XCTest

/// `--save-dtype` and `convert --dtype` on the real model: SmolLM2 (a Q4_1 GGUF) pruned by 30 % of its
/// FFN neurons (`neuron_output` on 8 calibration windows), saved as f32, q8_0 (by `prune prune`) and
/// q4_1 (by `prune convert` of the f32 save), each reloaded by `prune eval` on the first 2 windows of
/// 512 tokens. Tolerances: q8_0 within 1 % of the f32 save's perplexity, q4_1 within 3 % (re-quantizing
/// the kept Q4_1 rows nearly reproduces them, the tied head stays Q8_0 as in the source, and ffn_down,
/// 1075 values per row, falls back to f16).
final class CompactSaveTests: XCTestCase {
    func testQuantizedSavesReloadCloseToTheF32Save() throws {
        let model = try TestPaths.requireModel()
        let text = try TestPaths.requireData("eval.txt")
        let calib = try TestPaths.requireData("calib.txt")
        let dir = try TestPaths.temporaryFolder(self)
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        func prune(_ dtype: String) throws -> [String: Any] {
            let r = try PruneCommand.run(["prune", "--model", model, "--scorer", "neuron_output", "--chain", "mlp.neurons", "--amount", "0.3",
                                          "--calib", calib, "--calib-samples", "8", "--cache-dir", path("cache"),
                                          "--save", path("\(dtype).gguf"), "--save-dtype", dtype, "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        }
        func ppl(_ file: String) throws -> Double {
            let r = try PruneCommand.run(["eval", "--model", file, "--text", text, "--max-windows", "2", "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
            return try XCTUnwrap(object["ppl"] as? Double)
        }
        let f32 = try prune("f32")
        let q8 = try prune("q8_0")
        for report in [f32, q8] {
            // What the report counts is what the file holds.
            XCTAssertEqual(report["saved_params"] as? Int, report["params_stored"] as? Int)
        }
        XCTAssertEqual(q8["saved_dtype"] as? String, "q8_0")
        let note = try XCTUnwrap(q8["saved_note"] as? String)
        XCTAssertTrue(note.hasPrefix("30 matrices (ffn_down.weight: rows of 1075) stored as f16"), note)
        let convert = try PruneCommand.run(["convert", path("f32.gguf"), "--to", path("q4_1.gguf"), "--dtype", "q4_1", "--no-verify"])
        XCTAssertEqual(convert.status, 0, convert.stderr)
        XCTAssertTrue(convert.stdout.contains("stored as f16"), convert.stdout)

        let sizes = try ["f32", "q8_0", "q4_1"].map { try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path("\($0).gguf"))[.size] as? Int) }
        XCTAssertLessThan(sizes[1], sizes[0] / 3)
        XCTAssertLessThan(sizes[2], sizes[1] * 17 / 20)
        let exact = try ppl(path("f32.gguf"))
        XCTAssertEqual(try ppl(path("q8_0.gguf")), exact, accuracy: exact * 0.01)
        XCTAssertEqual(try ppl(path("q4_1.gguf")), exact, accuracy: exact * 0.03)
    }
}
