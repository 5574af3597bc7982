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
}

/// Runs a checked experiment cell by cell, sharing what cells have in common (the model load, the
/// calibration statistics, the importances) and appending each finished cell to the results store.
public final class Interpreter: @unchecked Sendable {
    public struct Options: Sendable {
        public var force = false
        public var shard: (index: Int, count: Int)? = nil
        public var cache = StatisticsCache(folder: StatisticsCache.defaultFolder)
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

    public func store() throws -> ResultsStore { try ResultsStore(folder: experiment.output, shard: options.shard) }

    func inputs(_ c: Cell) throws -> CellInputs {
        func file(_ p: String) throws -> CellInputs.File { CellInputs.File(path: p, sha256: try hashes.sha256(resolve(p))) }
        return CellInputs(
            model: try file(c.model),
            calibration: try c.calibration.map { try file($0.path) },
            calibrationSettings: c.calibration.map { [$0.samples, $0.seqlen, $0.seed] },
            structure: c.structure?.description, pipeline: c.pipeline?.rawValue, scorer: c.scorer?.description,
            pruner: c.pruner?.description, amount: c.amount,
            evaluation: try c.evaluation.map { try file($0.text) },
            evaluationSettings: c.evaluation.map { [$0.seqlen, $0.windows] },
            numerics: CellInputs.numericsVersion)
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
        return all.map { cell, inputs in
            let cached = !options.force && store.records[inputs.key] != nil
            var reason = cached ? "" : "new cell"
            if options.force && store.records[inputs.key] != nil { reason = "--force" } else if !cached, let old = earlier[inputs.identity] {
                reason = inputs.changes(since: old).joined(separator: "; ")
            }
            return PlannedCell(cell: cell, inputs: inputs, cached: cached, reason: reason)
        }
    }

    public enum Event: Sendable {
        case stage(cell: Int, of: Int, label: String, stage: String)
        case finished(cell: Int, of: Int, label: String, ppl: Double?)
        case window(done: Int, total: Int)
    }

    /// Runs the cells not yet in the store; returns how many ran.
    @discardableResult
    public func run(_ report: @escaping @Sendable (Event) -> Void = { _ in }) throws -> Int {
        let store = try store()
        let todo = try plan().filter { !$0.cached }
        guard !todo.isEmpty else { return 0 }
        try FileManager.default.createDirectory(at: experiment.output, withIntermediateDirectories: true)
        var session: ModelSession? = nil
        for (n, planned) in todo.enumerated() {
            let cell = planned.cell
            if session?.path != resolve(cell.model) {
                report(.stage(cell: n + 1, of: todo.count, label: cell.label, stage: "load"))
                session = nil
                session = try ModelSession(path: resolve(cell.model), cache: options.cache)
            }
            let metrics = try session!.measure(cell, resolve: resolve, savePattern: experiment.savePattern, folder: source.folder) { stage in
                report(.stage(cell: n + 1, of: todo.count, label: cell.label, stage: stage))
            } window: { done, total in
                report(.window(done: done, total: total))
            }
            let record = ResultRecord(key: planned.key, cell: cell, inputs: planned.inputs, metrics: metrics,
                                      finishedAt: ISO8601DateFormatter().string(from: Date()), tool: "prune")
            try store.append(record)
            report(.finished(cell: n + 1, of: todo.count, label: cell.label, ppl: metrics.ppl))
        }
        try store.exportCSV()
        return todo.count
    }
}
