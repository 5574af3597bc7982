import Evaluation
import Foundation
import Llama
import ModelIO
import Tokenizers

/// One loaded model and the work pruning runs on it share: calibration statistics once per calibration
/// and structure (and across processes through the disk cache), importances once per scorer, pipeline
/// and structure, token ids once per text. `prune prune` runs one experiment through it; a `.prune`
/// sweep runs all its cells on the same model through one.
public final class PruningSession: @unchecked Sendable {
    public let bundle: ModelBundle
    public let modelSHA256: String
    public let cache: StatisticsCache?

    /// Statistics of one calibration on one structure's modules, and where they came from.
    public struct Calibrated: Sendable {
        public let statistics: CalibrationStatistics
        public let tokensSHA256: String
        /// Read from the disk cache rather than computed.
        public let fromDisk: Bool
    }

    /// One pruned model, and the rows per module before and after.
    public struct Pruned {
        public let model: LlamaModel
        public let removed: [LinearModule: [Int]]
        public let keptRows: [String: Int]
        public let totalRows: [String: Int]
    }

    private var calibrated: [String: Calibrated] = [:]
    private var importances: [String: [LinearModule: [Double]]] = [:]
    private var texts: [String: [Int32]] = [:]

    public init(bundle: ModelBundle, cache: StatisticsCache?) throws {
        self.bundle = bundle
        modelSHA256 = try ContentHash.path(bundle.path)
        self.cache = cache
    }

    public var dense: LlamaModel { bundle.model }

    /// The blocks' modules and the MLPs they form, checked against the model before any compute.
    public func mlps(_ structure: PruningStructure, _ pipeline: Pipeline) throws -> (blocks: [[LinearModule]], mlps: [[LinearModule]]) {
        let blocks = try structure.resolve(dense.config)
        return (blocks, try pipeline.checkedMLPs(blocks, config: dense.config))
    }

    /// Calibration statistics of the structure's modules: from memory, the disk cache, or a run of the
    /// model over the calibration windows (`computing` is told when real work starts).
    public func statistics(_ spec: CalibrationSpec, structure: PruningStructure, computing: () -> Void = {},
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Calibrated {
        let memo = "\(spec)|\(structure)"
        if let hit = calibrated[memo] { return hit }
        computing()
        let windows = try CalibrationData.windows(spec, tokenizer: bundle.tokenizer)
        let modules = Set(try structure.resolve(dense.config).joined())
        let tokens = ContentHash.tokens(windows)
        let key = StatisticsCache.Key(modelSHA256: modelSHA256, tokensSHA256: tokens, modules: modules.map(\.name))
        let result: Calibrated
        if let hit = cache?.load(key) {
            result = Calibrated(statistics: hit, tokensSHA256: tokens, fromDisk: true)
        } else {
            let stats = CalibrationRun.statistics(dense, windows: windows, modules: modules, progress: progress)
            try? cache?.store(stats, for: key)   // a cache that cannot be written only costs a recalibration later
            result = Calibrated(statistics: stats, tokensSHA256: tokens, fromDisk: false)
        }
        calibrated[memo] = result
        return result
    }

    /// Each module's importance (summing to 1) under a scorer; computed once per inputs.
    public func importances(_ scorer: ComponentSpec, structure: PruningStructure, pipeline: Pipeline,
                            calibrated: Calibrated?, computing: () -> Void = {}) throws -> [LinearModule: [Double]] {
        let memo = "\(calibrated?.tokensSHA256 ?? "-")|\(structure)|\(pipeline)|\(scorer)"
        if let hit = importances[memo] { return hit }
        computing()
        let result = try LLMRank.importances(model: dense, statistics: calibrated?.statistics,
                                             mlps: mlps(structure, pipeline).mlps, scorer: ScorerRegistry.make(scorer))
        importances[memo] = result
        return result
    }

    /// The pruned and physically shrunk model.
    public func prune(_ importances: [LinearModule: [Double]], structure: PruningStructure, pipeline: Pipeline,
                      pruner: ComponentSpec, amount: Double) throws -> Pruned {
        let (blocks, mlps) = try mlps(structure, pipeline)
        let removed = try LLMRank.rowsToPrune(importances: importances, mlps: mlps, pruner: PrunerRegistry.make(pruner), amount: amount)
        var kept: [String: Int] = [:], total: [String: Int] = [:]
        for m in blocks.joined() {
            let rows = dense.weights.layers[m.layer].weight(m.kind).rows
            total[m.name] = rows
            kept[m.name] = rows - (removed[m]?.count ?? 0)
        }
        return Pruned(model: ApplyPruning.shrunk(dense, removing: removed), removed: removed, keptRows: kept, totalRows: total)
    }

    /// A text file's token ids, tokenized once.
    public func tokens(of path: String) throws -> [Int32] {
        if let hit = texts[path] { return hit }
        let ids = bundle.tokenizer.encode(try TextFile.read(path))
        texts[path] = ids
        return ids
    }
}
