import ArgumentParser
import Foundation
import ModelIO
import Pruning
import Reporting
import Script

/// Reads and checks a script, printing every diagnostic and exiting 65 when there is any.
func checkedScript(_ path: String, allowOutsideWrites: Bool) throws -> (Experiment, SourceFile) {
    do {
        let source = try SourceFile.read(path)
        let (experiment, _) = try Checker.check(source, options: .init(allowOutsideWrites: allowOutsideWrites))
        return (experiment, source)
    } catch let d as Diagnostics {
        FileHandle.standardError.write(Data((d.description + "\n").utf8))
        throw ExitCode(65)
    } catch let f as ScriptFailure {
        Terminal.error(f.description)
        throw ExitCode(f.status)
    }
}

/// `prune check FILE`: parse and check a script, compute nothing.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check a .prune script and report every error.")

    @Argument(help: "A .prune script.") var script: String
    @Flag(help: "Allow output paths outside the script's folder.") var allowOutsideWrites = false

    func run() throws {
        let (experiment, _) = try checkedScript(script, allowOutsideWrites: allowOutsideWrites)
        print("\(script): ok, \(Planner.cells(experiment).count) cells")
    }
}

/// `--shard i/n`.
struct Shard: ExpressibleByArgument {
    let index: Int, count: Int

    init?(argument: String) {
        let parts = argument.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(i) else { return nil }
        index = i
        count = n
    }
}

/// `prune run FILE`: check, plan, and compute the cells not yet in the results store.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a .prune script, computing only cells without stored results.")

    @Argument(help: "A .prune script.") var script: String
    @Flag(help: "Print the plan (cells, cached or to run and why) and compute nothing.") var dryRun = false
    @Flag(help: "Recompute every cell.") var force = false
    @Option(help: "Run only shard i of n (1-based), e.g. 2/3; merge the shards' results with `prune merge`.") var shard: Shard?
    @Option(help: "Where calibration statistics are cached (default: $PRUNE_CACHE_DIR or ~/.cache/prune).") var cacheDir: String?
    @Flag(help: "Allow output paths outside the script's folder.") var allowOutsideWrites = false
    @Flag(help: "If another run is writing the same results, wait for it instead of stopping.") var wait = false

    func run() throws {
        let (experiment, source) = try checkedScript(script, allowOutsideWrites: allowOutsideWrites)
        var options = Interpreter.Options()
        options.force = force
        options.shard = shard.map { ($0.index, $0.count) }
        options.wait = wait
        if let cacheDir { options.cache = StatisticsCache(folder: URL(fileURLWithPath: cacheDir)) }
        let interpreter = Interpreter(experiment: experiment, source: source, options: options)
        try reportingErrors {
            if dryRun {
                print(PlanText.render(try interpreter.plan(), experiment: experiment))
                return
            }
            // One writer per results file, for the whole command: plan, cells, figures and report.
            let lock = try interpreter.lock { holder in
                Terminal.note("waiting for process \(holder.map(String.init) ?? "(unknown)"), which is writing \(experiment.output.path)")
            }
            let plan = try interpreter.plan()
            let start = Date()
            let progress = RunProgress(total: plan.filter { !$0.cached }.count)
            let file = experiment.output.appendingPathComponent(interpreter.resultsFile).path
            let stored = plan.filter(\.cached).count
            let command = "prune run \(script)" + (shard.map { " --shard \($0.index)/\($0.count)" } ?? "")
            let keys = Set(plan.map(\.key))
            Interruption.install {
                // No record is written after this, so the count from the file is exactly what a rerun finds.
                ResultsStore.freeze()
                let n = (try? Warnings.collecting { try ResultsStore(folder: experiment.output) }.0)?.records.keys.filter { keys.contains($0) }.count ?? stored
                return "\(n) of \(plan.count) cells are stored in \(file) (\(max(0, n - stored)) by this run); run `\(command)` to compute the other \(plan.count - n)"
            }
            let ran = try interpreter.run(holding: lock) { progress.handle($0) }
            let store = try interpreter.store()
            print("\(ran) cell\(ran == 1 ? "" : "s") computed, \(plan.count - ran) from the results store, in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
            for p in plan {
                print("  \(PlanText.pad(p.cell.label, 62)) \(store.records[p.key]?.metrics.headline(for: p.cell) ?? "-")")
            }
            print("results: \(experiment.output.path)/results.jsonl (and results.csv)")
            // Figures and reports need every cell: a shard leaves them to `prune report` after the merge.
            if shard == nil { try writeOutputs(experiment, source: source, plan: plan, store: store) }
            withExtendedLifetime(lock) {}
        }
    }
}

/// `prune merge FOLDER...`: join result stores (e.g. shards') into the first folder's results.jsonl.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Merge result stores into the first folder's results.jsonl.")

    @Argument(help: "Output folders; the first receives the merged results.") var folders: [String]
    @Option(help: "Keep only records of this script (a file name such as study.prune); default: the script most records in the first folder name.")
    var script: String?
    @Flag(help: "Keep records of every script.") var allScripts = false
    @Flag(help: "If another process is writing the first folder, wait for it instead of stopping.") var wait = false

    func run() throws {
        try reportingErrors {
            guard let first = folders.first else { throw ValidationError("name at least one output folder") }
            for folder in folders {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else {
                    throw ModelIOError(folder, "no such folder")
                }
                guard isDirectory.boolValue else { throw ModelIOError(folder, "is a file, not a results folder") }
            }
            let lock = try OutputLock(folder: URL(fileURLWithPath: first), wait: wait) { holder in
                Terminal.note("waiting for process \(holder.map(String.init) ?? "(unknown)"), which is writing \(first)")
            }
            let target = try ResultsStore(folder: URL(fileURLWithPath: first))
            let others = try folders.dropFirst().map { try ResultsStore(folder: URL(fileURLWithPath: $0)) }
            let problems = ([target] + others).reduce(0) { $0 + $1.problems.count }
            let keep = allScripts ? nil : (script ?? target.script ?? others.lazy.compactMap(\.script).first)
            // Shard files inside the first folder are merged too.
            let summary = try target.merge(others, script: keep)
            print("\(summary.added) record\(summary.added == 1 ? "" : "s") added; \(target.records.count) in \(target.file.path)")
            for (name, count) in summary.otherScripts.sorted(by: { $0.key < $1.key }) {
                Terminal.note("prune: warning: \(count) record\(count == 1 ? "" : "s") of another script (\(name)) left out; keep them with --all-scripts or --script \(name)")
            }
            if problems > 0 {
                Terminal.note("prune: warning: \(problems) unreadable or unproven line\(problems == 1 ? "" : "s") skipped (listed above)")
            }
            withExtendedLifetime(lock) {}
        }
    }
}

/// `prune report FILE`: rebuild outputs from stored results, computing nothing.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Rebuild a script's outputs from its stored results.")

    @Argument(help: "A .prune script.") var script: String
    @Flag(help: "Allow output paths outside the script's folder.") var allowOutsideWrites = false

    func run() throws {
        let (experiment, source) = try checkedScript(script, allowOutsideWrites: allowOutsideWrites)
        try reportingErrors {
            let interpreter = Interpreter(experiment: experiment, source: source, options: .init())
            let lock = try interpreter.lock()
            defer { withExtendedLifetime(lock) {} }
            let store = try interpreter.store()
            _ = try store.merge([], script: interpreter.scriptName)
            let plan = try interpreter.plan()
            let missing = plan.filter { !$0.cached }.count
            print("\(plan.count - missing) of \(plan.count) cells have results; \(experiment.output.path)/results.csv rewritten")
            try writeOutputs(experiment, source: source, plan: plan, store: store)
            if missing > 0 { print("\(missing) cells have no results yet: run `prune run \(script)`") }
        }
    }
}

enum PlanText {
    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }

    static func render(_ plan: [PlannedCell], experiment e: Experiment) -> String {
        let toRun = plan.filter { !$0.cached }
        var lines = [
            "plan: \(plan.count) cells, \(plan.count - toRun.count) cached, \(toRun.count) to run",
            "shared work:",
            "  model loads: \(Set(plan.map(\.cell.model)).count) (\(Set(plan.map(\.cell.model)).sorted().joined(separator: ", ")))",
        ]
        let calibrations = Set(toRun.compactMap { p in p.cell.calibration.map { "\(p.cell.model)|\($0.path)|\($0.samples)|\($0.seqlen)|\($0.seed)|\(p.cell.structure!)" } })
        lines.append("  calibration statistics: \(calibrations.count) (once per model + calibration + structure; cached on disk)")
        let scores = Set(toRun.compactMap { p in p.cell.scorer.map { "\(p.cell.model)|\(p.cell.calibration.map { "\($0)" } ?? "")|\(p.cell.structure!)|\(p.cell.pipeline!)|\($0)" } })
        lines.append("  scorings: \(scores.count) (once per scorer + pipeline + structure)")
        lines.append("  prune + evaluate: \(toRun.count)")
        lines.append("cells:")
        for p in plan {
            let state = p.cached ? "cached" : "to run (\(p.reason))"
            lines.append("  [\(p.key.prefix(10))] \(Self.pad(p.cell.label, 62)) \(state)")
        }
        return lines.joined(separator: "\n")
    }
}

/// Progress of a run: cells done / total, current stage, ETA.
final class RunProgress: @unchecked Sendable {
    let total: Int
    let start = Date()
    private let lock = NSLock()
    private var done = 0
    private var label = ""

    init(total: Int) { self.total = total }

    /// Cells this run has stored so far.
    var finished: Int {
        lock.lock()
        defer { lock.unlock() }
        return done
    }

    func handle(_ event: Interpreter.Event) {
        lock.lock()
        defer { lock.unlock() }
        let elapsed = Date().timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        switch event {
        case .stage(let n, let of, let cell, let stage):
            label = "[\(n)/\(of)] \(stage): \(cell)"
            if Terminal.stderrIsTTY {
                FileHandle.standardError.write(Data(String(format: "\r\u{1B}[2K%@  (%.0fs elapsed, ETA %.0fs)", label, elapsed, eta).utf8))
            } else {
                Terminal.note(label)
            }
        case .finished(let n, let of, let cell, let result):
            done = n
            let line = "[\(n)/\(of)] done: \(cell)" + (result.isEmpty ? "" : ", \(result)")
            if Terminal.stderrIsTTY { FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)\n".utf8)) } else { Terminal.note(line) }
        case .window(let d, let t):
            if Terminal.stderrIsTTY {
                FileHandle.standardError.write(Data(String(format: "\r\u{1B}[2K%@ %d/%d windows (%.0fs elapsed, ETA %.0fs)", label, d, t, elapsed, eta).utf8))
            }
        }
    }
}

/// The script's figures and reports, from the stored results of its own cells.
func writeOutputs(_ experiment: Experiment, source: SourceFile, plan: [PlannedCell], store: ResultsStore) throws {
    guard !experiment.figures.isEmpty || !experiment.tables.isEmpty || !experiment.reports.isEmpty else { return }
    let records = plan.compactMap { store.records[$0.key] }
    for warning in try Outputs.write(experiment, source: source, records: records, tool: "prune \(PruneVersion.string)") {
        Terminal.note("warning: \(warning)")
    }
    for f in experiment.figures {
        print("figure: \(experiment.output.path)/\(f.name).png (.svg, .gp, .dat\(f.latex ? ", .tex, .pdf" : f.pdf ? ", .pdf" : ""))")
    }
    for t in experiment.tables { print("table: \(experiment.output.path)/\(t.name).tex (.csv)") }
    for r in experiment.reports { print("report: \(experiment.output.path)/\(r)") }
}
