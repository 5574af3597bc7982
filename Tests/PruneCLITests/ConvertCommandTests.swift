import Foundation
import TestSupport
import XCTest

/// `prune convert` end to end: GGUF → Hugging Face folder → GGUF keeps the perplexity, on a tiny model
/// and on SmolLM2 (12 windows of the evaluation text, as the model-formats issue asks).
final class ConvertCommandTests: XCTestCase {
    func json(_ r: CommandResult) throws -> [String: Any] {
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
    }

    func ppl(_ model: String, _ text: String, seqlen: Int, windows: Int? = nil) throws -> Double {
        var args = ["eval", "--model", model, "--text", text, "--seqlen", "\(seqlen)", "--json"]
        if let windows { args += ["--max-windows", "\(windows)"] }
        return try XCTUnwrap(json(PruneCommand.run(args))["ppl"] as? Double)
    }

    func testTinyModelThroughAFolderAndBack() throws {
        let dir = try TestPaths.temporaryFolder(self)
        let model = dir.appendingPathComponent("tiny.gguf").path
        try TinyLlama(seed: 12).write(to: model)
        var rng = SeededRandom(seed: 13)
        let text = dir.appendingPathComponent("t.txt").path
        try TinyText.make(characters: 300, using: &rng).write(toFile: text, atomically: true, encoding: .utf8)
        let dense = try ppl(model, text, seqlen: 64)

        let folder = dir.appendingPathComponent("tiny-hf").path
        let r = try PruneCommand.run(["convert", model, "--to", folder])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("verified"), r.stdout)
        for name in ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/" + name), name)
        }
        XCTAssertEqual(try ppl(folder, text, seqlen: 64), dense, accuracy: dense * 1e-6)
        let inspect = try PruneCommand.run(["inspect", folder])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("Hugging Face"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("byte-level BPE"), inspect.stdout)

        let back = dir.appendingPathComponent("back.gguf").path
        XCTAssertEqual(try PruneCommand.run(["convert", folder, "--to", back]).status, 0)
        XCTAssertEqual(try ppl(back, text, seqlen: 64), dense, accuracy: dense * 1e-6)
        let half = dir.appendingPathComponent("half").path
        XCTAssertEqual(try PruneCommand.run(["convert", model, "--to", half, "--dtype", "bf16"]).status, 0)
        XCTAssertEqual(try ppl(half, text, seqlen: 64), dense, accuracy: dense * 0.05)

        // Refusals: an unknown dtype, writing over the input, a missing model.
        let badType = try PruneCommand.run(["convert", model, "--to", folder, "--dtype", "f8"])
        XCTAssertNotEqual(badType.status, 0)
        XCTAssertTrue(badType.stderr.contains("--dtype must be one of f32, f16, bf16, q8_0, q4_0, q4_1 (got f8)"), badType.stderr)
        let blockTypeFolder = try PruneCommand.run(["convert", model, "--to", folder + "-q8", "--dtype", "q8_0"])
        XCTAssertEqual(blockTypeFolder.status, 64)
        XCTAssertTrue(blockTypeFolder.stderr.contains("q8_0 is a GGUF storage type; a Hugging Face folder holds f32, f16 or bf16"), blockTypeFolder.stderr)
        let overwrite = try PruneCommand.run(["convert", model, "--to", model])
        XCTAssertNotEqual(overwrite.status, 0)
        XCTAssertTrue(overwrite.stderr.contains("names the input model itself"), overwrite.stderr)
        let missing = try PruneCommand.run(["convert", dir.appendingPathComponent("nope").path, "--to", folder])
        XCTAssertEqual(missing.status, 66)
        XCTAssertTrue(missing.stderr.contains("nope: no such file or folder"), missing.stderr)
        // The earlier folder is still there and still loads.
        XCTAssertEqual(try ppl(folder, text, seqlen: 64), dense, accuracy: dense * 1e-6)
    }

    func testSmolLM2ThroughAFolderAndAWrittenGGUFKeepsItsPerplexity() throws {
        let model = try TestPaths.requireModel()
        let text = try TestPaths.requireData("eval.txt")
        let dir = try TestPaths.temporaryFolder(self)
        let original = try ppl(model, text, seqlen: 512, windows: 12)
        let folder = dir.appendingPathComponent("smollm2-hf").path
        let r = try PruneCommand.run(["convert", model, "--to", folder])
        XCTAssertEqual(r.status, 0, r.stderr)
        let viaFolder = try ppl(folder, text, seqlen: 512, windows: 12)
        XCTAssertEqual(viaFolder, original, accuracy: original * 1e-5)
        let file = dir.appendingPathComponent("smollm2-f32.gguf").path
        XCTAssertEqual(try PruneCommand.run(["convert", folder, "--to", file]).status, 0)
        let viaFile = try ppl(file, text, seqlen: 512, windows: 12)
        XCTAssertEqual(viaFile, original, accuracy: original * 1e-5)
        print("SmolLM2 12-window perplexity: GGUF Q4_1 \(original), Hugging Face folder (F32) \(viaFolder), written GGUF (F32) \(viaFile)")
    }
}
