import Foundation
import TestSupport
import XCTest

/// `scripts/make_synthetic_llama.py` (random weights, a real model's shape, BF16) at its tiny shape: the
/// file it writes is read by gguf-py and by `prune inspect`, and runs in `prune eval`.
final class SyntheticModelTests: XCTestCase {
    func testTinySyntheticModelReadsEverywhere() throws {
        try Python.require(["gguf", "numpy"])
        let dir = try TestPaths.temporaryFolder(self)
        let model = dir.appendingPathComponent("synthetic.gguf").path
        let script = TestPaths.root.appendingPathComponent("scripts/make_synthetic_llama.py").path
        let made = try Python.run("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
                                  [script, "tiny", model])
        XCTAssertEqual(made.status, 0)

        // gguf-py's own reader: 2 blocks × 9 tensors + embedding, output norm, output head; matrices BF16.
        let read = try Python.run("""
            import gguf, sys
            r = gguf.GGUFReader(sys.argv[1])
            types = sorted(set(t.tensor_type.name for t in r.tensors))
            print(len(r.tensors), ",".join(types), r.fields["llama.block_count"].parts[-1][0], sum(int(t.n_bytes) for t in r.tensors))
            """, [model])
        XCTAssertEqual(read.status, 0)
        let fields = String(decoding: read.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        XCTAssertEqual(fields.prefix(3).joined(separator: " "), "21 BF16,F32 2")
        let tensorBytes = try XCTUnwrap(Double(fields.last ?? ""))

        let inspect = try PruneCommand.run(["inspect", model])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("BF16     16 tensors"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("heads         4 (key/value heads 2, head size 16)"), inspect.stdout)  // hidden 64 over 4 heads

        let textPath = try TinyText.write(dir.appendingPathComponent("t.txt").path, characters: 300, seed: 3)
        let eval = try PruneCommand.run(["eval", "--model", model, "--text", textPath, "--seqlen", "64", "--json"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(json["windows"] as? Int, 4)

        // The rows `prune bench --scale` reports for a model of a paper's size, here on the tiny shape, in
        // both precisions. The weights are held as the file stores them (BF16 matrices, F32 norms): the
        // bytes gguf-py counts in the file, not twice as many.
        for precision in ["f32", "bf16"] {
            let bench = try PruneCommand.run(["bench", "--model", model, "--scale", "--seqlen", "32", "--precision", precision, "--json"])
            XCTAssertEqual(bench.status, 0, bench.stderr)
            let rows = try JSONSerialization.jsonObject(with: Data(bench.stdout.utf8)) as! [String: Double]
            for key in ["scale_load_seconds", "scale_calibration_window_seconds", "scale_prune_seconds", "scale_evaluation_window_seconds", "peak_rss_mb"] {
                XCTAssertNotNil(rows[key], key)
            }
            XCTAssertLessThan(try XCTUnwrap(rows["scale_shrunk_params_stored"]), try XCTUnwrap(rows["scale_params_stored"]))
            XCTAssertEqual(try XCTUnwrap(rows["scale_weight_mb"]) * 1e6, tensorBytes, accuracy: 0.5)
        }
    }
}
