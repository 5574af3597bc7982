import Foundation
import Llama
import Pruning
@testable import Script
import TestSupport
import XCTest

/// Sweep expansion, the results store's cache, kill -9 and resume, and shards, on a tiny model.
final class SweepAndStoreTests: XCTestCase {
    let sweep = """
    model     "tiny.gguf"
    calibrate "calib.txt" samples 3 seqlen 16
    pipeline  [isolated, chained]
    scorer    [wanda, norm, wpr(gamma: 0.5)]
    amount    0%...40% step 20%
    evaluate  perplexity "eval.txt" seqlen 32 windows 4
    """

    func experiment(_ folder: ScriptFolder, _ text: String, name: String = "sweep.prune") throws -> (Experiment, SourceFile) {
        let source = try folder.write(name, text)
        return (try Checker.check(source).0, source)
    }

    func interpreter(_ folder: ScriptFolder, _ text: String, force: Bool = false, shard: (Int, Int)? = nil) throws -> Interpreter {
        let (e, source) = try experiment(folder, text)
        var options = Interpreter.Options()
        options.force = force
        options.shard = shard
        options.cache = StatisticsCache(folder: folder.url.appendingPathComponent("cache"))
        return Interpreter(experiment: e, source: source, options: options)
    }

    func testSweepExpansion() throws {
        let folder = try ScriptFolder(self)
        let (e, _) = try experiment(folder, sweep)
        XCTAssertEqual(e.amounts, [0, 0.2, 0.4])
        let cells = Planner.cells(e)
        // One dense baseline, then 2 amounts × 2 pipelines × 3 scorers.
        XCTAssertEqual(cells.count, 1 + 2 * 2 * 3)
        XCTAssertEqual(cells.filter(\.isDense).count, 1)
        XCTAssertNil(cells.first { $0.scorer?.name == "norm" }?.calibration, "norm needs no calibration")
        // Ranges do not drift: 0.1 steps are exact decimals.
        let (tenths, _) = try experiment(folder, "model \"tiny.gguf\"\nscorer norm\namount 0.1...0.9 step 0.1\n", name: "t.prune")
        XCTAssertEqual(tenths.amounts, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
        // A parameter given as a list or range sweeps: 2 gammas × 3 thetas.
        let (grid, _) = try experiment(folder, "model \"tiny.gguf\"\ncalibrate \"calib.txt\"\nscorer wpr(gamma: [0, 0.5], theta: 0...1 step 0.5)\namount 30%\n", name: "g.prune")
        XCTAssertEqual(grid.scorers.map(\.description), ["wpr(gamma: 0, theta: 0)", "wpr(gamma: 0, theta: 0.5)", "wpr(gamma: 0, theta: 1)",
                                                         "wpr(gamma: 0.5, theta: 0)", "wpr(gamma: 0.5, theta: 0.5)", "wpr(gamma: 0.5, theta: 1)"])
        let bad = try folder.diagnostics("b.prune", "model \"tiny.gguf\"\ncalibrate \"calib.txt\"\nscorer wpr(gamma: [0.5, 2])\namount 30%\n")
        XCTAssertEqual(bad.map(\.message), ["wpr: gamma must lie in [0, 1], got 2"])
    }

    func testRerunComputesNothingAndEditsRecomputeOnlyWhatChanged() throws {
        let folder = try ScriptFolder(self)
        XCTAssertEqual(try interpreter(folder, sweep).run(), 13)
        let store = try ResultsStore(folder: folder.url.appendingPathComponent("out/sweep"))
        XCTAssertEqual(store.records.count, 13)
        XCTAssertTrue(store.records.values.allSatisfy { ($0.metrics.ppl ?? 0) > 1 })
        XCTAssertEqual(try interpreter(folder, sweep).run(), 0)
        // A new amount: only its 6 cells run.
        let more = sweep.replacingOccurrences(of: "0%...40% step 20%", with: "[0%, 20%, 40%, 60%]")
        XCTAssertEqual(try interpreter(folder, more).run(), 6)
        // Changing the evaluation text's content reruns every cell, and the plan says why.
        try "different text!".write(to: folder.url.appendingPathComponent("eval.txt").appendingPathExtension(""), atomically: true, encoding: .utf8)
        let longer = String(repeating: "abcdefghij", count: 20)
        try longer.write(to: folder.url.appendingPathComponent("eval.txt"), atomically: true, encoding: .utf8)
        let plan = try interpreter(folder, more).plan()
        XCTAssertTrue(plan.allSatisfy { !$0.cached && $0.reason.contains("evaluation text eval.txt changed") }, "\(plan.map(\.reason))")
        XCTAssertEqual(try interpreter(folder, more, force: true).plan().filter(\.cached).count, 0)
    }

    /// Long enough (191 cells) to be killed in the middle.
    let longSweep = """
    model     "tiny.gguf"
    calibrate "calib.txt" samples 3 seqlen 16
    scorer    [wanda, norm]
    amount    0%...95% step 1%
    evaluate  perplexity "eval.txt" seqlen 32 windows 4
    """

    func testKilledRunResumesToTheSameResults() throws {
        let folder = try ScriptFolder(self)
        let script = folder.url.appendingPathComponent("sweep.prune").path
        try longSweep.write(toFile: script, atomically: true, encoding: .utf8)
        let results = folder.url.appendingPathComponent("out/sweep/results.jsonl")
        let cache = folder.url.appendingPathComponent("cache").path
        // Start a run and kill it with SIGKILL once a few cells are stored.
        let process = Process()
        process.executableURL = PruneCommand.executable
        process.arguments = ["run", script, "--cache-dir", cache]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let lines = (try? String(contentsOf: results, encoding: .utf8))?.split(separator: "\n").count ?? 0
            if lines >= 3 { break }
            usleep(2_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let partial = try ResultsStore(folder: results.deletingLastPathComponent()).records.count
        XCTAssertGreaterThanOrEqual(partial, 3)
        XCTAssertLessThan(partial, 191, "the run finished before it could be killed")
        let resumed = try PruneCommand.run(["run", script, "--cache-dir", cache])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("\(191 - partial) cells computed, \(partial) from the results store"), resumed.stdout)
        // An uninterrupted run elsewhere gives the same numbers.
        let clean = try ScriptFolder(self)
        _ = try interpreter(clean, longSweep).run()
        let a = try ResultsStore(folder: results.deletingLastPathComponent()), b = try ResultsStore(folder: clean.url.appendingPathComponent("out/sweep"))
        XCTAssertEqual(Set(a.records.keys), Set(b.records.keys))
        for (key, record) in b.records { XCTAssertEqual(a.records[key]?.metrics.ppl, record.metrics.ppl) }
    }

    func testThreeShardsMergedEqualOneRun() throws {
        let folder = try ScriptFolder(self)
        let script = folder.url.appendingPathComponent("sweep.prune").path
        try sweep.write(toFile: script, atomically: true, encoding: .utf8)
        let cache = folder.url.appendingPathComponent("cache").path
        // Warm the statistics cache so the shards do not all calibrate at once.
        for i in 1...3 {
            let r = try PruneCommand.run(["run", script, "--shard", "\(i)/3", "--cache-dir", cache])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let out = folder.url.appendingPathComponent("out/sweep").path
        let merged = try PruneCommand.run(["merge", out])
        XCTAssertEqual(merged.status, 0, merged.stderr)
        let single = try ScriptFolder(self)
        _ = try interpreter(single, sweep).run()
        let a = try ResultsStore(folder: URL(fileURLWithPath: out)), b = try ResultsStore(folder: single.url.appendingPathComponent("out/sweep"))
        XCTAssertEqual(a.records.count, 13)
        XCTAssertEqual(Set(a.records.keys), Set(b.records.keys))
        for (key, record) in b.records { XCTAssertEqual(a.records[key]?.metrics.ppl, record.metrics.ppl) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/results.csv"))
        // The merge wrote every record into results.jsonl itself.
        let merged13 = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n").count
        XCTAssertEqual(merged13, 13)
    }
}

/// Every example in docs/language.md parses; the full ones check against the real model when present.
final class LanguageDocTests: XCTestCase {
    func testEveryExampleParses() throws {
        let doc = TestPaths.root.appendingPathComponent("docs/language.md")
        let text = try String(contentsOf: doc, encoding: .utf8)
        let blocks = text.components(separatedBy: "```prune\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
        XCTAssertGreaterThanOrEqual(blocks.count, 2)
        for (i, block) in blocks.enumerated() {
            let source = SourceFile(path: doc.deletingLastPathComponent().appendingPathComponent("example-\(i).prune").path, text: block + "\n")
            let (_, diagnostics) = Parser.parse(source)
            XCTAssertEqual(diagnostics, [], "example \(i)")
            if FileManager.default.fileExists(atPath: TestPaths.model.path) {
                XCTAssertNoThrow(try Checker.check(source), "example \(i)")
            }
        }
    }

    func testQuickstartChecks() throws {
        _ = try TestPaths.requireModel()
        let path = TestPaths.root.appendingPathComponent("scripts/quickstart.prune").path
        let (e, _) = try Checker.check(SourceFile.read(path))
        // Dense and two pruned models, each measured by perplexity and by the cloze task.
        XCTAssertEqual(Planner.cells(e).count, 6)
        XCTAssertEqual(Set(e.evaluations.map(\.task)), ["perplexity", "lambada_openai"])
    }
}

extension SweepAndStoreTests {
    /// A Hugging Face folder is a model like a GGUF file: checked against its headers, run, and its
    /// pruned models saved as folders; the same weights give the same perplexities either way.
    func testHuggingFaceFolderModelsRunAndSave() throws {
        let folder = try ScriptFolder(self)
        let tiny = try ModelBundle.load(path: folder.url.appendingPathComponent("tiny.gguf").path)
        try ModelExport.write(tiny.model, tokenizer: tiny.tokenizer, source: tiny.source, to: folder.url.appendingPathComponent("tiny-hf").path)
        let script = """
        model     ["tiny.gguf", "tiny-hf"]
        calibrate "calib.txt" samples 3 seqlen 16
        scorer    wanda
        amount    [0%, 30%]
        evaluate  perplexity "eval.txt" seqlen 32 windows 4
        save      "pruned/{model}-{amount}"
        """
        XCTAssertEqual(try interpreter(folder, script).run(), 4)
        let store = try ResultsStore(folder: folder.url.appendingPathComponent("out/sweep"))
        func ppl(_ model: String, _ amount: Double) throws -> Double {
            try XCTUnwrap(store.records.values.first { $0.cell.model == model && $0.cell.amount == amount }?.metrics.ppl)
        }
        for amount in [0, 0.3] {
            XCTAssertEqual(try ppl("tiny-hf", amount), try ppl("tiny.gguf", amount), accuracy: 1e-6 * (try ppl("tiny.gguf", amount)), "amount \(amount)")
        }
        let saved = folder.url.appendingPathComponent("pruned/tiny-hf-0.3").path
        XCTAssertTrue(FileManager.default.fileExists(atPath: saved + "/config.json"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("pruned/tiny-0.3/model.safetensors").path))
        XCTAssertEqual(try LlamaModel.load(path: saved).config.intermediateSizes, [67, 67])
        // The checker reads the folder's config.json and safetensors headers for structure errors.
        let bad = try folder.diagnostics("bad.prune", "model \"tiny-hf\"\nstructure model.layers: mlp.up_proj -> mlp.dwn_proj\nscorer norm\namount 30%\n")
        XCTAssertEqual(bad.count, 1)
        XCTAssertTrue(bad.first?.message.contains("no linear module `mlp.dwn_proj`") ?? false, "\(bad)")
    }
}
