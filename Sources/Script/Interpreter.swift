import Evaluation
import Foundation
import Llama
import ModelIO
import Pruning
import Tensor

/// A cell with its key and whether the results store already has it.
public struct PlannedCell: Sendable {
    public let cell: Cell
    public let inputs: CellInputs
    public var key: String { inputs.key }
    public let cached: Bool
    /// For a cell that will run: why (new, or which input changed since the same experiment last ran).
    public let reason: String
    /// A stored cell pruned the same model (it differs only in its evaluation): its kept rows are reused,
    /// and only the evaluation runs.
    public var stored: CellRunner.StoredPruning? = nil
}

/// Runs a checked experiment cell by cell through `CellRunner` (the same runner as `prune prune`),
/// sharing what cells have in common (the model load, the calibration statistics, the importances) and
/// appending each finished cell to the results store, once its inputs are proven to be the planned ones.
public final class Interpreter: @unchecked Sendable {
    public struct Options: Sendable {
        public var force = false
        public var shard: (index: Int, count: Int)? = nil
        public var cache = StatisticsCache(folder: StatisticsCache.defaultFolder)
        /// Wait for another writer of the same results file instead of stopping.
        public var wait = false
        public init() {}
    }

    public let experiment: Experiment
    public let source: SourceFile
    public let options: Options
    let hashes = FileHashes()

    public init(experiment: Experiment, source: SourceFile, options: Options) {
        self.experiment = experiment
        self.source = source
        self.options = options
    }

    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : source.folder.appendingPathComponent(path).standardizedFileURL.path
    }

    /// The script's name as records carry it.
    public var scriptName: String { URL(fileURLWithPath: source.path).lastPathComponent }

    public var resultsFile: String { ResultsStore.fileName(shard: options.shard.map { ($0.index, $0.count) }) }

    public func store() throws -> ResultsStore { try ResultsStore(folder: experiment.output, shard: options.shard) }

    /// The lock of this run's results file: held by one process at a time.
    public func lock(waiting: (Int32?) -> Void = { _ in }) throws -> OutputLock {
        try OutputLock(folder: experiment.output, file: resultsFile, wait: options.wait, waiting: waiting)
    }

    func inputs(_ c: Cell) throws -> CellInputs {
        CellInputs(cell: c, modelSHA256: try hashes.sha256(resolve(c.model), model: true),
                   calibrationSHA256: try c.calibration.map { try hashes.sha256(resolve($0.path)) },
                   evaluationSHA256: try c.evaluation.map { try hashes.sha256(resolve($0.text)) })
    }

    /// Every cell of this shard, marked cached or to-run with the reason.
    public func plan() throws -> [PlannedCell] {
        let store = try store()
        var all = try Planner.cells(experiment).map { ($0, try inputs($0)) }
        if let shard = options.shard {
            // Shards split the cells by key, so every process agrees on the split whatever its order.
            all = all.sorted { $0.1.key < $1.1.key }.enumerated().filter { $0.offset % shard.count == shard.index - 1 }.map(\.element)
        }
        let earlier = Dictionary(store.records.values.map { ($0.inputs.identity, $0.inputs) }, uniquingKeysWith: { a, _ in a })
        // Pruned models already chosen by stored cells, by what they depend on.
        var prunings: [String: CellRunner.StoredPruning] = [:]
        for r in store.records.values where !r.cell.isDense {
            guard let masks = r.metrics.keptRowMasks, !masks.isEmpty else { continue }
            prunings[r.inputs.pruningKey] = CellRunner.StoredPruning(keptRowMasks: masks, calibrationFile: r.inputs.calibration?.sha256,
                                                                     calibrationTokens: r.metrics.calibrationTokensSHA256)
        }
        return all.map { cell, inputs in
            let cached = !options.force && store.records[inputs.key] != nil
            var reason = cached ? "" : "new cell"
            if options.force && store.records[inputs.key] != nil { reason = "--force" } else if !cached, let old = earlier[inputs.identity] {
                reason = inputs.changes(since: old).joined(separator: "; ")
            }
            guard !cached && !options.force && !cell.isDense, let stored = prunings[inputs.pruningKey] else {
                return PlannedCell(cell: cell, inputs: inputs, cached: cached, reason: reason)
            }
            return PlannedCell(cell: cell, inputs: inputs, cached: false, reason: reason + "; pruning reused from a stored cell", stored: stored)
        }
    }

    /// Where a cell's pruned model is saved, if the script saves them.
    public func saveTarget(_ cell: Cell) -> String? {
        guard let pattern = experiment.savePattern, !cell.isDense else { return nil }
        return source.folder.appendingPathComponent(SavePattern.fill(pattern, cell, dtype: experiment.saveDType)).standardizedFileURL.path
    }

    public enum Event: Sendable {
        case stage(cell: Int, of: Int, label: String, stage: String)
        case finished(cell: Int, of: Int, label: String, result: String)
        case window(done: Int, total: Int)
    }

    /// Runs the cells not yet in the store; returns how many ran. Holds the results file's lock while it
    /// runs (`lock`, or one it takes itself).
    @discardableResult
    public func run(holding lock: OutputLock? = nil, _ report: @escaping @Sendable (Event) -> Void = { _ in }) throws -> Int {
        let held = try lock ?? self.lock()
        defer { withExtendedLifetime(held) {} }
        let store = try store()
        let todo = try plan().filter { !$0.cached }
        guard !todo.isEmpty else { return 0 }
        // Everything this run writes must be writable before an hour of compute goes into it.
        try Folder.checkWritable(experiment.output.path)
        for target in Set(todo.compactMap { saveTarget($0.cell) }) { try SaveTarget.checkWritable(target) }
        var runner: CellRunner? = nil
        var saved: [Cell: String] = [:]   // one pruned model saved once, however many evaluations it has
        for (n, planned) in todo.enumerated() {
            let cell = planned.cell
            if runner?.path != resolve(cell.model) {
                report(.stage(cell: n + 1, of: todo.count, label: cell.label, stage: "load"))
                runner = nil
                runner = try CellRunner(modelPath: resolve(cell.model), cache: options.cache)
            }
            var resolved = cell
            resolved.model = resolve(cell.model)
            resolved.calibration?.path = resolve(cell.calibration?.path ?? "")
            resolved.evaluation?.text = resolve(cell.evaluation?.text ?? "")
            let target = saveTarget(cell).flatMap { saved[cell.pruning] == nil ? $0 : nil }
            let outcome = try runner!.run(resolved, saveTo: target, saveAs: ModelExport.DType.named(experiment.saveDType) ?? .f32, stored: planned.stored, stage: { stage in
                report(.stage(cell: n + 1, of: todo.count, label: cell.label, stage: stage.rawValue))
            }, progress: { done, total in
                report(.window(done: done, total: total))
            })
            // The key must be the digest of the bytes actually used, not of what the files held at planning.
            let used = CellInputs(cell: cell, modelSHA256: outcome.read.model, calibrationSHA256: outcome.read.calibrationFile,
                                  evaluationSHA256: outcome.read.evaluationText)
            guard used.key == planned.key else {
                let what = used.changedFiles(since: planned.inputs).joined(separator: "; ")
                throw ModelIOError(experiment.output.path, "\(what.isEmpty ? "an input changed while the sweep ran" : what); "
                                   + "nothing was stored for \(cell.label); run again to plan with the new content")
            }
            var metrics = outcome.metrics
            if let target { saved[cell.pruning] = target }
            if let path = saved[cell.pruning] {
                metrics.saved = path.hasPrefix(source.folder.standardizedFileURL.path + "/")
                    ? String(path.dropFirst(source.folder.standardizedFileURL.path.count + 1)) : path
            }
            let record = ResultRecord(key: planned.key, cell: cell, inputs: planned.inputs, metrics: metrics,
                                      finishedAt: ISO8601DateFormatter().string(from: Date()), tool: "prune", script: scriptName)
            try store.append(record)
            report(.finished(cell: n + 1, of: todo.count, label: cell.label, result: metrics.headline(for: cell)))
        }
        try store.exportCSV()
        return todo.count
    }
}
