import Foundation
import Llama
import ModelIO
import Pruning
@testable import Script
import TestSupport
import XCTest

/// Fault injection against the results store and the cell runner: inputs replaced mid-sweep, records
/// edited by hand, damaged cache entries, two writers, colliding save paths, full disks, signals. Each
/// case stored a wrong number, lost a file or crashed before these checks existed.
final class TrustTests: XCTestCase {
    let sweep = """
    model     "tiny.gguf"
    calibrate "calib.txt" samples 3 seqlen 16
    scorer    [wanda, norm]
    amount    [0%, 20%, 40%]
    evaluate  perplexity "eval.txt" seqlen 32 windows 4
    """

    func interpreter(_ folder: ScriptFolder, _ text: String, name: String = "sweep.prune", cache: URL? = nil) throws -> Interpreter {
        let source = try folder.write(name, text)
        var options = Interpreter.Options()
        options.cache = StatisticsCache(folder: cache ?? folder.url.appendingPathComponent("cache"))
        return Interpreter(experiment: try Checker.check(source).0, source: source, options: options)
    }

    func output(_ folder: ScriptFolder, _ name: String = "sweep") -> URL { folder.url.appendingPathComponent("out/\(name)") }

    /// SHA-256 by the system's sha256sum, not by the code under test.
    func sha256sum(_ path: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sha256sum", path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(String(decoding: out, as: UTF8.self).prefix(64))
    }

    // MARK: 1. Hash what you read

    /// A file replaced after planning, before it is read: nothing is stored under the planned key (the
    /// run stops with an error saying which file changed), and the next run plans with the new content.
    func testInputReplacedAfterPlanningIsNeverStoredUnderThePlannedKey() throws {
        let cases: [(String, @Sendable (URL) throws -> Void)] = [("eval.txt", { (url: URL) in try String(repeating: "qwerty!?", count: 40).write(to: url, atomically: true, encoding: .utf8) }),
                                ("calib.txt", { (url: URL) in try String(repeating: "zyxwvut", count: 60).write(to: url, atomically: true, encoding: .utf8) }),
                                ("tiny.gguf", { (url: URL) in try TinyLlama(seed: 99).write(to: url.path) })]
        for (file, replace) in cases {
            let folder = try ScriptFolder(self)
            let target = folder.url.appendingPathComponent(file)
            let run = try interpreter(folder, "model \"tiny.gguf\"\ncalibrate \"calib.txt\" samples 3 seqlen 16\nscorer wanda\namount 20%\nevaluate perplexity \"eval.txt\" seqlen 32 windows 4\n")
            let planned = try run.plan()
            XCTAssertEqual(planned.count, 1)
            // The model loads after the plan and before any input is read: swap the file then.
            let swapped = Flag()
            XCTAssertThrowsError(try run.run { event in
                if case .stage(_, _, _, "load") = event, !swapped.value { swapped.value = true; try? replace(target) }
            }) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains("changed while the sweep ran") && message.contains(file), "\(file): \(message)")
                XCTAssertTrue(message.contains("nothing was stored"), message)
            }
            XCTAssertTrue(swapped.value)
            XCTAssertEqual(try ResultsStore(folder: output(folder)).records.count, 0, "\(file): a result was stored under the planned key")
            // Planned again, the cell has a new key, and runs and is stored under it.
            let again = try interpreter(folder, try String(contentsOf: folder.url.appendingPathComponent("sweep.prune"), encoding: .utf8))
            let replanned = try again.plan()
            XCTAssertNotEqual(replanned[0].key, planned[0].key, file)
            XCTAssertEqual(try again.run(), 1)
            XCTAssertNotNil(try ResultsStore(folder: output(folder)).records[replanned[0].key])
        }
    }

    /// The digests a pruning run reports are those of the bytes it read (checked with sha256sum), and the
    /// statistics cache is keyed by the model's bytes as loaded.
    func testPruneReportsTheDigestsOfTheBytesItRead() throws {
        let folder = try ScriptFolder(self)
        let model = folder.url.appendingPathComponent("tiny.gguf").path
        let calib = folder.url.appendingPathComponent("calib.txt").path
        let eval = folder.url.appendingPathComponent("eval.txt").path
        var request = PruneRequest(modelPath: model)
        request.calibration = CalibrationSpec(path: calib, samples: 3, seqlen: 16)
        request.scorer = ComponentSpec(name: "wanda")
        request.evaluationText = eval
        request.evaluation = .init(seqlen: 32, maxWindows: 2)
        request.cache = StatisticsCache(folder: folder.url.appendingPathComponent("cache"))
        let report = try PruneJob.run(request)
        XCTAssertEqual(report.modelSHA256, try sha256sum(model))
        XCTAssertEqual(report.calibrationFileSHA256, try sha256sum(calib))
        XCTAssertEqual(report.evaluationSHA256, try sha256sum(eval))
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent("cache/statistics").path)
        XCTAssertEqual(entries.count, 1)
        let header = try String(contentsOfFile: folder.url.appendingPathComponent("cache/statistics/\(entries[0])").path, encoding: .utf8)
            .split(separator: "\n")[0]
        XCTAssertTrue(header.contains("\"model_sha256\":\"\(try sha256sum(model))\""), String(header))
    }

    // MARK: 2. Records prove their key

    func testRecordsThatDoNotProveTheirKeyAreSkippedAndRecomputed() throws {
        let folder = try ScriptFolder(self)
        XCTAssertEqual(try interpreter(folder, sweep).run(), 5)
        let file = output(folder).appendingPathComponent("results.jsonl")
        let original = try ResultsStore(folder: output(folder))
        var lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 5)
        func edit(_ n: Int, _ change: (inout [String: Any]) -> Void) throws {
            var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[n].utf8)) as? [String: Any])
            change(&object)
            lines[n] = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        // Line 2: the inputs edited (another amount), the key left: the key no longer proves the inputs.
        try edit(1) { o in var i = o["inputs"] as! [String: Any]; i["amount"] = 0.9; o["inputs"] = i }
        // Line 3: the cell edited, the inputs left: a record pieced together.
        try edit(2) { o in var c = o["cell"] as! [String: Any]; c["amount"] = 0.9; o["cell"] = c }
        // Line 4: a metric the cell asked for removed.
        try edit(3) { o in var m = o["metrics"] as! [String: Any]; m["ppl"] = nil; o["metrics"] = m }
        // Line 6: not JSON at all.
        lines.append("{\"key\": \"garbage")
        lines.append(lines[0])
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let (store, warnings) = try Warnings.collecting { try ResultsStore(folder: output(folder)) }
        XCTAssertEqual(store.records.count, 2, "only the untouched records count")
        let path = file.path
        XCTAssertTrue(warnings.contains { $0.hasPrefix("\(path):2: ") && $0.contains("key is not the digest of its inputs") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("\(path):3: ") && $0.contains("settings are not its inputs'") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("\(path):4: ") && $0.contains("lacks ppl") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("\(path):6: ") && $0.contains("not a result record") }, "\(warnings)")
        // The three damaged cells run again, to the same numbers as before.
        XCTAssertEqual(try interpreter(folder, sweep).run(), 3)
        let repaired = try ResultsStore(folder: output(folder))
        XCTAssertEqual(Set(repaired.records.keys), Set(original.records.keys))
        for (key, r) in original.records { XCTAssertEqual(repaired.records[key]?.metrics.ppl, r.metrics.ppl) }
    }

    /// A whole last record without its newline (a copy, a hand edit) is kept by the next append; a torn
    /// one is cut off.
    func testAWholeLastRecordWithoutNewlineSurvivesTheNextAppend() throws {
        let folder = try ScriptFolder(self)
        let first = sweep.replacingOccurrences(of: "[0%, 20%, 40%]", with: "[0%, 20%]")
        XCTAssertEqual(try interpreter(folder, first).run(), 3)
        let file = output(folder).appendingPathComponent("results.jsonl")
        var text = try String(contentsOf: file, encoding: .utf8)
        XCTAssertTrue(text.hasSuffix("\n"))
        text.removeLast()
        try text.write(to: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try ResultsStore(folder: output(folder)).records.count, 3)
        XCTAssertEqual(try interpreter(folder, sweep).run(), 2)
        XCTAssertEqual(try ResultsStore(folder: output(folder)).records.count, 5)
        // A torn line (half a record) is cut off by the next append, and its cell recomputed.
        var lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
        let torn = String(lines.removeLast().prefix(80))
        try (lines.joined(separator: "\n") + "\n" + torn).write(to: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try interpreter(folder, sweep).run(), 1)
        let final = try String(contentsOf: file, encoding: .utf8)
        XCTAssertFalse(final.contains(torn + "\n") || final.contains(torn + "{"), "the torn line is gone")
        XCTAssertEqual(final.split(separator: "\n").count, 5)
    }

    // MARK: 3. Cache entries prove their content

    func testDamagedStatisticsCacheEntriesAreDiscardedAndRecomputed() throws {
        let folder = try ScriptFolder(self)
        let cache = folder.url.appendingPathComponent("cache")
        let one = sweep.replacingOccurrences(of: "[wanda, norm]", with: "wanda").replacingOccurrences(of: "[0%, 20%, 40%]", with: "20%")
        XCTAssertEqual(try interpreter(folder, one).run(), 1)
        let reference = try ResultsStore(folder: output(folder)).records.values.first!.metrics.ppl!
        let entries = cache.appendingPathComponent("statistics")
        let name = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: entries.path).first)
        let entry = entries.appendingPathComponent(name)
        let pristine = try Data(contentsOf: entry)
        let newline = try XCTUnwrap(pristine.firstIndex(of: UInt8(ascii: "\n")))
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: pristine[..<newline]) as? [String: Any])
        let payload = try XCTUnwrap(JSONSerialization.jsonObject(with: pristine[(newline + 1)...]) as? [String: Any])
        /// The entry with its payload replaced, and (to reach the shape checks) its checksum made to fit.
        func write(_ newPayload: [String: Any], fixChecksum: Bool) throws {
            let body = try JSONSerialization.data(withJSONObject: newPayload, options: [.sortedKeys])
            var h = header
            if fixChecksum {
                h["payload_sha256"] = ContentHash.data(body)
                h["payload_bytes"] = body.count
            }
            try (JSONSerialization.data(withJSONObject: h, options: [.sortedKeys]) + Data("\n".utf8) + body).write(to: entry)
        }
        var modules = payload["modules"] as! [String: Any]
        let some = modules.keys.sorted()[0]
        var channels = modules[some] as! [String: Any]
        var shortened = payload, missing = payload, digit = pristine
        channels["input"] = Array((channels["input"] as! [Double]).dropLast())
        modules[some] = channels
        shortened["modules"] = modules
        var fewer = payload["modules"] as! [String: Any]
        fewer[some] = nil
        missing["modules"] = fewer
        // One digit of one number changed.
        let at = try XCTUnwrap(digit[(newline + 1)...].firstIndex { $0 >= UInt8(ascii: "1") && $0 <= UInt8(ascii: "8") })
        digit[at] += 1
        let damages: [(String, () throws -> Void)] = [
            ("payload checksum mismatch", { try digit.write(to: entry) }),
            ("has", { try write(shortened, fixChecksum: true) }),                 // a vector shortened
            ("is missing", { try write(missing, fixChecksum: true) }),            // a module removed
            ("payload of", { try write(shortened, fixChecksum: false) }),         // shortened, header left
            ("no readable header", { try Data("garbage".utf8).write(to: entry) }),
        ]
        for (reason, damage) in damages {
            try damage()
            // A new evaluation setting needs the statistics again (the importances are not stored).
            let other = try ScriptFolder(self)
            let (runs, warnings) = try Warnings.collecting { try interpreter(other, one, cache: cache).run() }
            XCTAssertEqual(runs, 1)
            XCTAssertTrue(warnings.contains { $0.hasPrefix(entry.path) && $0.contains("damaged statistics cache entry") && $0.contains(reason) },
                          "\(reason): \(warnings)")
            XCTAssertEqual(try ResultsStore(folder: output(other)).records.values.first?.metrics.ppl, reference, reason)
            // Recomputed and written back: the entry is whole again, and used silently.
            XCTAssertEqual(try Data(contentsOf: entry), pristine, reason)
        }
        let (_, quiet) = try Warnings.collecting { try interpreter(try ScriptFolder(self), one, cache: cache).run() }
        XCTAssertEqual(quiet, [])
    }

    /// A cache that cannot be written costs a recalibration, with one warning for the whole run and no
    /// temporary file left behind.
    func testAnUnwritableCacheWarnsOnceAndLeavesNothingBehind() throws {
        let folder = try ScriptFolder(self)
        let blocked = folder.url.appendingPathComponent("cache-file")
        try Data("a file where the cache folder should be".utf8).write(to: blocked)
        let two = sweep.replacingOccurrences(of: "[wanda, norm]", with: "[wanda, activation]")
        let (runs, warnings) = try Warnings.collecting { try interpreter(folder, two, cache: blocked).run() }
        XCTAssertEqual(runs, 5)
        XCTAssertEqual(warnings.filter { $0.contains("cannot write the statistics cache") }.count, 1, "\(warnings)")
        // The write into a folder that is full fails too, and leaves no .part file.
        let full = folder.url.appendingPathComponent("ro")
        try FileManager.default.createDirectory(at: full, withIntermediateDirectories: true)
        let cacheObject = StatisticsCache(folder: full)
        let key = StatisticsCache.Key(modelSHA256: "m", tokensSHA256: "t", modules: ["a"])
        let stats = CalibrationStatistics(tokens: 1, modules: ["a": .init(input: [1], output: [2])])
        let shapes = ["a": StatisticsCache.Shape(inputs: 1, outputs: 1)]
        try Data().write(to: full.appendingPathComponent("statistics"))   // a file where its folder goes
        let (_, more) = Warnings.collecting { cacheObject.store(stats, for: key, shapes: shapes) }
        XCTAssertEqual(more.count, 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: full.path), ["statistics"])
    }

    // MARK: 4. One writer per output folder

    func testASecondWriterStopsAtOnceOrWaits() throws {
        let folder = try ScriptFolder(self)
        let script = folder.url.appendingPathComponent("sweep.prune").path
        try sweep.write(toFile: script, atomically: true, encoding: .utf8)
        let out = output(folder)
        let cache = folder.url.appendingPathComponent("cache").path
        var lock: OutputLock? = try OutputLock(folder: out)
        let busy = try PruneCommand.run(["run", script, "--cache-dir", cache])
        XCTAssertEqual(busy.status, 75)
        XCTAssertEqual(busy.stderr, "prune: error: \(out.path): in use by process \(getpid())\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("results.jsonl").path))
        // Shards write their own files, so they run while the main file is held.
        let shard = try PruneCommand.run(["run", script, "--shard", "1/2", "--cache-dir", cache])
        XCTAssertEqual(shard.status, 0, shard.stderr)
        // --wait blocks until the holder is done, then runs.
        let waiting = Process()
        waiting.executableURL = PruneCommand.executable
        waiting.arguments = ["run", script, "--cache-dir", cache, "--wait"]
        waiting.standardOutput = FileHandle.nullDevice
        waiting.standardError = FileHandle.nullDevice
        try waiting.run()
        usleep(1_500_000)
        XCTAssertTrue(waiting.isRunning, "--wait did not wait")
        lock = nil
        waiting.waitUntilExit()
        XCTAssertEqual(waiting.terminationStatus, 0)
        XCTAssertNil(lock)
        XCTAssertEqual(try ResultsStore(folder: out).records.count, 5)
    }

    /// Two runs of the same script started together: one computes, the other stops with status 75; no
    /// record is duplicated and no line torn.
    func testTwoConcurrentRunsNeverBothWrite() throws {
        let folder = try ScriptFolder(self)
        let script = folder.url.appendingPathComponent("sweep.prune").path
        try sweep.replacingOccurrences(of: "[0%, 20%, 40%]", with: "0%...94% step 2%").write(toFile: script, atomically: true, encoding: .utf8)
        let cache = folder.url.appendingPathComponent("cache").path
        let processes = (0..<2).map { _ -> Process in
            let p = Process()
            p.executableURL = PruneCommand.executable
            p.arguments = ["run", script, "--cache-dir", cache]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            return p
        }
        for p in processes { try p.run() }
        for p in processes { p.waitUntilExit() }
        XCTAssertEqual(processes.map(\.terminationStatus).sorted(), [0, 75])
        let text = try String(contentsOf: output(folder).appendingPathComponent("results.jsonl"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.count, 1 + 47 * 2)
        XCTAssertEqual(Set(lines).count, lines.count)
    }

    // MARK: 5 and 6. Save targets never collide; every saved model carries its record

    func testSavePathsThatWouldCollideAreFoundByTheChecker() throws {
        let folder = try ScriptFolder(self)
        let script = """
        model     "tiny.gguf"
        calibrate "calib.txt" samples [2, 3] seqlen 16
        scorer    wanda
        amount    20%
        save      "pruned/{scorer}-{calibration}-{amount}.gguf"
        """
        let found = try folder.diagnostics("s.prune", script)
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found.first?.location.line, 5)
        XCTAssertEqual(found.first?.location.column, 11)
        XCTAssertTrue(found.first?.message.contains("pruned/wanda-calib-0.2.gguf") == true, "\(found)")
        XCTAssertTrue(found.first?.message.contains("samples 2 and 3") == true, "\(found)")
        XCTAssertEqual(found.first?.help, "add {samples} to the pattern, e.g. \"pruned/{scorer}-{calibration}-{amount}-{samples}.gguf\"")
        // Cells that differ only in what they measure share one pruned model: no collision.
        let twoEvaluations = script.replacingOccurrences(of: "samples [2, 3]", with: "samples 2")
            + "\nevaluate perplexity \"eval.txt\" seqlen [16, 32] windows 2\n"
        XCTAssertEqual(try folder.diagnostics("e.prune", twoEvaluations).count, 0)
        XCTAssertEqual(try folder.diagnostics("ok.prune", script.replacingOccurrences(of: "{amount}", with: "{amount}-{samples}")).count, 0)
    }

    /// `save ... dtype q8_0`: the model is written in that storage, `{dtype}` names it, and the record says so.
    func testSaveTakesADType() throws {
        let folder = try ScriptFolder(self)
        let script = """
        model     "tiny.gguf"
        calibrate "calib.txt" samples 3 seqlen 16
        scorer    norm
        amount    30%
        evaluate  perplexity "eval.txt" seqlen 16 windows 2
        save      "pruned/{scorer}-{amount}-{dtype}.gguf" dtype q8_0
        """
        XCTAssertEqual(try interpreter(folder, script).run(), 1)
        let path = folder.url.appendingPathComponent("pruned/norm-0.3-q8_0.gguf").path
        let sidecar = folder.url.appendingPathComponent("pruned/norm-0.3-q8_0.pruning.json")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: sidecar)) as? [String: Any])
        XCTAssertEqual(object["dtype"] as? String, "q8_0")
        // 30 % of 96 neurons leaves 67: ffn_down's rows (67 values) are not whole blocks of 32.
        XCTAssertEqual(object["fallback_to_f16"] as? [String], ["blk.0.ffn_down.weight", "blk.1.ffn_down.weight"])
        let reloaded = try LlamaModel.load(path: path)
        XCTAssertEqual(reloaded.config.intermediateSizes, [67, 67])
        // Smaller than the same model in f32: the matrices take 34 bytes per 32 values instead of 128.
        let store = try ResultsStore(folder: output(folder))
        let stored = try XCTUnwrap(store.records.values.first { !$0.cell.isDense }?.metrics.paramsStored)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        XCTAssertLessThan(size, stored * 4 / 2)
    }

    func testEveryModelSavedFromAScriptCarriesItsRecord() throws {
        let folder = try ScriptFolder(self)
        let script = """
        model     "tiny.gguf"
        calibrate "calib.txt" samples 3 seqlen 16
        scorer    [wanda, norm]
        pruner    global
        amount    30%
        evaluate  perplexity "eval.txt" seqlen [16, 32] windows 2
        save      "pruned/{scorer}-{amount}.gguf"
        """
        XCTAssertEqual(try interpreter(folder, script).run(), 4)
        let store = try ResultsStore(folder: output(folder))
        for scorer in ["wanda", "norm"] {
            let record = try XCTUnwrap(store.records.values.first { $0.cell.scorer?.name == scorer })
            XCTAssertEqual(record.metrics.saved, "pruned/\(scorer)-0.3.gguf")
            let sidecar = folder.url.appendingPathComponent("pruned/\(scorer)-0.3.pruning.json")
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: sidecar)) as? [String: Any])
            XCTAssertEqual(object["scorer"] as? String, scorer)
            XCTAssertEqual(object["model_sha256"] as? String, try sha256sum(folder.url.appendingPathComponent("tiny.gguf").path))
            let kept = try XCTUnwrap(object["kept_rows"] as? [String: [Int]])
            // The store's bitmasks name the same rows as the saved record.
            let masks = try XCTUnwrap(record.metrics.keptRowMasks)
            XCTAssertEqual(Set(masks.keys), Set(kept.keys))
            for (module, rows) in kept {
                let total = try XCTUnwrap(record.metrics.keptRows[module]) + 0
                XCTAssertEqual(rows.count, total)
                let width = module.hasSuffix("up_proj") ? 96 : 64   // TinyLlama: FFN 96, hidden 64
                XCTAssertEqual(RowMask.decode(masks[module]!, rows: width), rows, module)
            }
            // A conversion carries the record over, noting where it came from.
            let converted = folder.url.appendingPathComponent("hf-\(scorer)").path
            let r = try PruneCommand.run(["convert", folder.url.appendingPathComponent("pruned/\(scorer)-0.3.gguf").path, "--to", converted])
            XCTAssertEqual(r.status, 0, r.stderr)
            let carried = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: converted + "/pruning.json"))) as? [String: Any])
            XCTAssertEqual(carried["kept_rows"] as? [String: [Int]], kept)
            XCTAssertEqual((carried["converted_from"] as? [[String: Any]])?.first?["sha256"] as? String,
                           try sha256sum(folder.url.appendingPathComponent("pruned/\(scorer)-0.3.gguf").path))
        }
    }

    // MARK: 11. File-system faults and signals

    func testFileSystemFaultsAreOnePlainLineAndLeaveResultsIntact() throws {
        let folder = try ScriptFolder(self)
        let cache = folder.url.appendingPathComponent("cache").path
        // A file where the output folder should be.
        let blocked = sweep + "\noutput \"out/blocked\"\n"
        try blocked.write(to: folder.url.appendingPathComponent("b.prune"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("out"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: folder.url.appendingPathComponent("out/blocked"))
        let a = try PruneCommand.run(["run", folder.url.appendingPathComponent("b.prune").path, "--cache-dir", cache])
        XCTAssertNotEqual(a.status, 0)
        XCTAssertEqual(a.stderr, "prune: error: \(folder.url.appendingPathComponent("out/blocked").path): is a file, not a folder\n")
        // A folder where a saved .gguf file should be: found before anything is computed.
        let saving = sweep + "\nsave \"pruned/{scorer}-{amount}.gguf\"\n"
        try saving.write(to: folder.url.appendingPathComponent("s.prune"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("pruned/norm-0.4.gguf"), withIntermediateDirectories: true)
        let b = try PruneCommand.run(["run", folder.url.appendingPathComponent("s.prune").path, "--cache-dir", cache])
        XCTAssertEqual(b.status, 65)
        XCTAssertEqual(b.stderr, "prune: error: \(folder.url.appendingPathComponent("pruned/norm-0.4.gguf").path): is a folder; a .gguf model is saved as a file\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("out/s/results.jsonl").path))
        // A disk that fills up (a file size limit): one plain line, the records before it intact.
        let script = folder.url.appendingPathComponent("sweep.prune").path
        try sweep.write(toFile: script, atomically: true, encoding: .utf8)
        let limited = Process()
        limited.executableURL = URL(fileURLWithPath: "/bin/bash")
        limited.arguments = ["-c", "ulimit -f 4; exec \"$0\" run \"$1\" --cache-dir \"$2\"", PruneCommand.executable.path, script, cache]
        let err = Pipe()
        limited.standardError = err
        limited.standardOutput = FileHandle.nullDevice
        try limited.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        limited.waitUntilExit()
        XCTAssertEqual(limited.terminationStatus, 74, message)
        XCTAssertTrue(message.hasSuffix("results.jsonl: cannot write: file too large\n"), message)
        XCTAssertEqual(message.components(separatedBy: "prune: error:").count, 2, message)
        let partial = try ResultsStore(folder: output(folder)).records.count
        XCTAssertGreaterThan(partial, 0)
        XCTAssertLessThan(partial, 5)
        let resumed = try PruneCommand.run(["run", script, "--cache-dir", cache])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("\(5 - partial) cells computed, \(partial) from the results store"), resumed.stdout)
    }

    func testSIGTERMAndSIGINTSayWhatIsStoredAndHowToResume() throws {
        for (signal, status) in [(SIGTERM, Int32(143)), (SIGINT, Int32(130))] {
            let folder = try ScriptFolder(self)
            let script = folder.url.appendingPathComponent("sweep.prune").path
            try sweep.replacingOccurrences(of: "[0%, 20%, 40%]", with: "0%...95% step 1%").write(toFile: script, atomically: true, encoding: .utf8)
            let results = output(folder).appendingPathComponent("results.jsonl")
            let process = Process()
            process.executableURL = PruneCommand.executable
            process.arguments = ["run", script, "--cache-dir", folder.url.appendingPathComponent("cache").path]
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline, ((try? String(contentsOf: results, encoding: .utf8))?.split(separator: "\n").count ?? 0) < 3 { usleep(2_000) }
            kill(process.processIdentifier, signal)
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, status, message)
            let stored = try ResultsStore(folder: output(folder)).records.count
            XCTAssertLessThan(stored, 191)
            XCTAssertTrue(message.contains("prune: interrupted: \(stored) of 191 cells are stored in \(results.path)"), message)
            XCTAssertTrue(message.contains("run `prune run \(script)` to compute the other \(191 - stored)"), message)
        }
    }

    // MARK: 12. prune merge says what it could not use

    func testMergeReportsWhatItLeavesOut() throws {
        let missing = try PruneCommand.run(["merge", "/nonexistent/folder-\(UUID().uuidString)"])
        XCTAssertEqual(missing.status, 66)
        XCTAssertTrue(missing.stderr.hasPrefix("prune: error: /nonexistent/folder-") && missing.stderr.hasSuffix(": no such folder\n"), missing.stderr)
        let folder = try ScriptFolder(self)
        _ = try interpreter(folder, sweep).run()
        let other = try ScriptFolder(self)
        _ = try interpreter(other, sweep.replacingOccurrences(of: "[wanda, norm]", with: "activation"), name: "other.prune").run()
        // The other script's folder gets an unreadable line too.
        let otherOut = other.url.appendingPathComponent("out/other")
        let handle = try FileHandle(forWritingTo: otherOut.appendingPathComponent("results.jsonl"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("not json\n".utf8))
        try handle.close()
        let merged = try PruneCommand.run(["merge", output(folder).path, otherOut.path])
        XCTAssertEqual(merged.status, 0, merged.stderr)
        XCTAssertTrue(merged.stdout.contains("0 records added; 5 in"), merged.stdout)
        XCTAssertTrue(merged.stderr.contains("results.jsonl:4: not a result record; skipped"), merged.stderr)
        XCTAssertTrue(merged.stderr.contains("2 records of another script (other.prune) left out"), merged.stderr)
        XCTAssertTrue(merged.stderr.contains("1 unreadable or unproven line skipped"), merged.stderr)
        // Asked to, it keeps them: the dense cell is shared, so 2 are new.
        let all = try PruneCommand.run(["merge", output(folder).path, otherOut.path, "--all-scripts"])
        XCTAssertTrue(all.stdout.contains("2 records added; 7 in"), all.stdout)
    }
}

/// A flag set from a @Sendable callback.
final class Flag: @unchecked Sendable {
    var value = false
}

/// Several evaluations of one pruned model: one prune; an evaluation added later reuses the stored
/// pruning (its kept rows) and computes only itself.
final class EvaluationsTests: XCTestCase {
    func testAnEvaluationAddedLaterReusesTheStoredPruning() throws {
        let folder = try ScriptFolder(self)
        // A cloze file in lambada_openai's format, in the tiny model's printable-ASCII vocabulary.
        var rng = SeededRandom(seed: 77)
        let lines = (0..<6).map { _ -> String in
            let words = (0..<8).map { _ in String((0..<4).map { _ in Character(UnicodeScalar(UInt8.random(in: 97...122, using: &rng))) }) }
            return "{\"text\": \"\(words.joined(separator: " "))\"}"
        }
        try lines.joined(separator: "\n").write(to: folder.url.appendingPathComponent("cloze.jsonl"), atomically: true, encoding: .utf8)
        let base = """
        model     "tiny.gguf"
        calibrate "calib.txt" samples 3 seqlen 16
        scorer    [wanda, norm]
        amount    [0%, 30%]
        evaluate  perplexity "eval.txt" seqlen 32 windows 2
        """
        func run(_ text: String, in f: ScriptFolder) throws -> (Int, [String]) {
            let source = try f.write("e.prune", text)
            var options = Interpreter.Options()
            options.cache = StatisticsCache(folder: f.url.appendingPathComponent("cache"))
            let stages = StageLog()
            let ran = try Interpreter(experiment: try Checker.check(source).0, source: source, options: options).run { event in
                if case .stage(_, _, let label, let stage) = event { stages.add("\(stage): \(label)") }
            }
            return (ran, stages.all)
        }
        XCTAssertEqual(try run(base, in: folder).0, 3)
        let more = base + "\nevaluate lambada_openai \"cloze.jsonl\" limit 5\n"
        let (ran, stages) = try run(more, in: folder)
        XCTAssertEqual(ran, 3, "only the new evaluation's cells")
        XCTAssertFalse(stages.contains { $0.hasPrefix("calibration") || $0.hasPrefix("scoring") }, "\(stages)")
        XCTAssertEqual(stages.filter { $0.hasPrefix("pruning") }.count, 2)
        // The same numbers as a run that prunes from scratch.
        let fresh = try ScriptFolder(self)
        try lines.joined(separator: "\n").write(to: fresh.url.appendingPathComponent("cloze.jsonl"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try run(more, in: fresh).0, 6)
        let a = try ResultsStore(folder: folder.url.appendingPathComponent("out/e")), b = try ResultsStore(folder: fresh.url.appendingPathComponent("out/e"))
        XCTAssertEqual(Set(a.records.keys), Set(b.records.keys))
        for (key, r) in b.records {
            // Everything but the timing.
            XCTAssertEqual(a.records[key]?.metrics.evaluation?.metrics.filter { $0.key != "tokens_per_second" },
                           r.metrics.evaluation?.metrics.filter { $0.key != "tokens_per_second" }, r.cell.label)
            XCTAssertEqual(a.records[key]?.metrics.keptRowMasks, r.metrics.keptRowMasks, r.cell.label)
        }
        let cloze = try XCTUnwrap(a.records.values.first { $0.cell.evaluation?.task == "lambada_openai" && $0.cell.isDense })
        XCTAssertEqual(cloze.metrics.evaluation?.count, 5)
        XCTAssertNotNil(cloze.metrics.evaluation?.metrics["acc"])
    }
}

final class StageLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}
