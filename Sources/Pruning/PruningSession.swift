import Evaluation
import Foundation
import Llama
import ModelIO
import Tokenizers

/// One loaded model and the work pruning runs on it share: calibration statistics once per calibration
/// and structure (and across processes through the disk cache), importances once per scorer, pipeline
/// and structure, token ids once per text. Every input comes with the SHA-256 of the bytes actually read,
/// which is what results computed from it are keyed by.
public final class PruningSession: @unchecked Sendable {
    public let bundle: ModelBundle
    public var modelSHA256: String { bundle.sha256 }
    public let cache: StatisticsCache?

    /// Statistics of one calibration on one structure's modules, and where they came from.
    public struct Calibrated: Sendable {
        public let statistics: CalibrationStatistics
        public let tokensSHA256: String
        /// SHA-256 of the calibration file's bytes the windows were made from.
        public let fileSHA256: String
        /// Read from the disk cache rather than computed.
        public let fromDisk: Bool
        /// Each pruned block's Gram matrix of FFN activations, when asked for.
        public var grams: GramStore? = nil
    }

    /// A text's token ids and the SHA-256 of the bytes they were encoded from.
    public struct Text: Sendable {
        public let ids: [Int32]
        public let sha256: String
    }

    /// One pruned model, and the rows per module before and after.
    public struct Pruned {
        public var model: LlamaModel
        public var removed: [LinearModule: [Int]]
        public let keptRows: [String: Int]
        public let totalRows: [String: Int]
        /// Coupled units removed (head groups, blocks), for those structures; their lists' removed
        /// indices by list name (`UnitPruning.listName`) stand beside `removed`'s rows.
        public var units: [PruningUnit] = []
        public var removedByName: [String: [Int]] = [:]

        /// The kept row indices of each pruned module (or unit list), by name.
        public var keptIndices: [String: [Int]] {
            var out: [String: [Int]] = [:]
            for (name, rows) in totalRows {
                let gone = Set(removed.first { $0.key.name == name }?.value ?? removedByName[name] ?? [])
                out[name] = (0..<rows).filter { !gone.contains($0) }
            }
            return out
        }
    }

    private var calibrated: [String: Calibrated] = [:]
    private var similarities: [String: BlockSimilarity] = [:]
    private var unitImportances: [String: [[Double]]] = [:]
    private var importances: [String: [LinearModule: [Double]]] = [:]
    private var texts: [String: Text] = [:]
    private var windows: [String: CalibrationData.Loaded] = [:]
    private var evaluators: [EvaluationSetting: (evaluator: any Evaluator, sha256: String)] = [:]

    public init(bundle: ModelBundle, cache: StatisticsCache?) {
        self.bundle = bundle
        self.cache = cache
    }

    /// The precision cells run in now (`use`); calibration, scoring and evaluation all run the model in it.
    public private(set) var precision: Precision = .f32
    /// The loaded model computing in each precision asked for so far (bfloat16 copies made once).
    private var models: [Precision: LlamaModel] = [:]

    /// Runs what follows in `precision`: the dense model and everything computed from it.
    public func use(_ precision: Precision) {
        self.precision = precision
        if precision != bundle.model.precision && models[precision] == nil { models[precision] = bundle.model.computing(precision) }
    }

    public var dense: LlamaModel { precision == bundle.model.precision ? bundle.model : models[precision]! }

    /// The statistics cache's numerics: Float32 statistics keep their keys; other precisions' differ.
    var statisticsNumerics: String {
        precision == .f32 ? StatisticsCache.numericsVersion : "\(StatisticsCache.numericsVersion)+\(precision.rawValue)"
    }

    /// The blocks' modules and the MLPs they form, checked against the model before any compute.
    public func mlps(_ structure: PruningStructure, _ pipeline: Pipeline) throws -> (blocks: [[LinearModule]], mlps: [[LinearModule]]) {
        let blocks = try structure.resolve(dense.config)
        return (blocks, try pipeline.checkedMLPs(blocks, config: dense.config, flows: structure.passesImportance))
    }

    /// Calibration statistics of the structure's modules (and the FFN activation statistics of every
    /// block whose neurons it prunes): from memory, the disk cache, or a run of the model over the
    /// calibration windows (`computing` is told when real work starts). With `grams`, each such block's
    /// Gram matrix too, computed in the same (layer-wise) pass and cached beside the statistics.
    public func statistics(_ spec: CalibrationSpec, structure: PruningStructure, grams: Bool = false, computing: () -> Void = {},
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Calibrated {
        let memo = "\(spec)|\(structure)|\(grams)|\(precision)"
        if let hit = calibrated[memo] { return hit }
        computing()
        let loaded = try calibration(spec)
        let modules = Set(try structure.resolve(dense.config).joined())
        var shapes: [String: StatisticsCache.Shape] = [:]
        for m in modules {
            let w = dense.weights.layers[m.layer].weight(m.kind)
            shapes[m.name] = StatisticsCache.Shape(inputs: w.columns, outputs: w.rows)
        }
        let neuronLayers = Set(modules.filter { $0.kind == .gate || $0.kind == .up }.map(\.layer))
        var widths: [String: Int] = [:], gramWidths: [Int: Int] = [:]
        for l in neuronLayers {
            widths[CalibrationStatistics.blockName(l)] = dense.config.intermediateSizes[l]
            gramWidths[l] = dense.config.intermediateSizes[l]
        }
        // Head groups are scored from their attention output's per-channel mean and variance too; the
        // key names those blocks, so such an entry is never taken for a chain's over the same modules.
        let headsScored = structure.unit == .head || structure.mixedUnits?.contains(.head) == true
        let attentionLayers = headsScored ? Set(0..<dense.config.numHiddenLayers) : []
        for l in attentionLayers { widths[CalibrationStatistics.attentionName(l)] = dense.config.queryWidth(layer: l) }
        let tokens = ContentHash.tokens(loaded.windows)
        let key = StatisticsCache.Key(modelSHA256: modelSHA256, tokensSHA256: tokens,
                                      modules: modules.map(\.name) + attentionLayers.map { CalibrationStatistics.attentionName($0) },
                                      numerics: statisticsNumerics)
        let store = grams ? GramStore(cache: cache, key: key) : nil
        var result: Calibrated
        if let hit = cache?.load(key, shapes: shapes, neurons: widths), store?.hasAll(gramWidths) ?? true {
            result = Calibrated(statistics: hit, tokensSHA256: tokens, fileSHA256: loaded.fileSHA256, fromDisk: true)
        } else {
            let stats: CalibrationStatistics
            if let store {
                stats = CalibrationRun.layerwise(dense, windows: loaded.windows, modules: modules, neuronLayers: neuronLayers,
                                                 attentionLayers: attentionLayers, gram: { l, g in store.put(l, g, width: gramWidths[l]!) }, progress: progress)
            } else {
                stats = CalibrationRun.statistics(dense, windows: loaded.windows, modules: modules, neuronLayers: neuronLayers,
                                                  attentionLayers: attentionLayers, progress: progress)
            }
            cache?.store(stats, for: key, shapes: shapes, neurons: widths)
            result = Calibrated(statistics: stats, tokensSHA256: tokens, fileSHA256: loaded.fileSHA256, fromDisk: false)
        }
        result.grams = store
        calibrated[memo] = result
        return result
    }

    /// The calibration windows of `spec`, read and sampled once.
    public func calibration(_ spec: CalibrationSpec) throws -> CalibrationData.Loaded {
        if let hit = windows["\(spec)"] { return hit }
        let loaded = try CalibrationData.load(spec, tokenizer: bundle.tokenizer)
        windows["\(spec)"] = loaded
        return loaded
    }

    /// The pruned model refit by a reconstruction, from the calibration `calibrated` came from.
    public func reconstruct(_ pruned: Pruned, with spec: ComponentSpec, structure: PruningStructure, calibration: CalibrationSpec,
                            calibrated: Calibrated, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Pruned {
        let method = try ReconstructorRegistry.make(spec)
        try ReconstructorRegistry.check(spec, structure: structure)
        let input = ReconstructionInput(dense: dense, pruned: pruned.model, removed: pruned.removed, statistics: calibrated.statistics,
                                        grams: calibrated.grams, windows: { try self.calibration(calibration).windows }, progress: progress)
        var out = pruned
        out.model = try method.reconstruct(input)
        // Blocks whose neurons the reconstruction chose again: their removed rows follow its choice.
        for (l, kept) in input.reselected.byLayer {
            let keep = Set(kept), gone = (0..<dense.config.intermediateSizes[l]).filter { !keep.contains($0) }
            for kind in [LinearKind.gate, .up] where out.removed[LinearModule(layer: l, kind: kind)] != nil {
                out.removed[LinearModule(layer: l, kind: kind)] = gone
            }
        }
        return out
    }

    /// Each module's importance (summing to 1) under a scorer; computed once per inputs. With `raw`
    /// (whole neurons only), the scorer's own scores instead, for `global(scores: raw)`. Where nothing
    /// flows, both come from one scoring: importances are the raw scores normalised per module.
    public func importances(_ scorer: ComponentSpec, structure: PruningStructure, pipeline: Pipeline,
                            calibrated: Calibrated?, raw: Bool = false, computing: () -> Void = {}) throws -> [LinearModule: [Double]] {
        let flows = structure.passesImportance
        guard !raw || !flows else {
            throw PruningError("raw scores of the chain \(structure.chain.joined(separator: " -> ")) cannot be compared: each module's importance flows to the next normalised (use mlp.neurons)")
        }
        let memo = "\(calibrated?.tokensSHA256 ?? "-")|\(structure)|\(pipeline)|\(scorer)|\(precision)"
        let rawMemo = "raw|" + memo
        if let hit = importances[raw ? rawMemo : memo] { return hit }
        computing()
        let groups = try mlps(structure, pipeline).mlps
        let scores = try LLMRank.importances(model: dense, statistics: calibrated?.statistics,
                                             mlps: groups, scorer: ScorerRegistry.make(scorer), flows: flows,
                                             grams: calibrated?.grams, normalise: flows)
        if flows {
            importances[memo] = scores
            return scores
        }
        var normalised: [LinearModule: [Double]] = [:]
        // In module order, so a failure names the first module, as scoring would have.
        for m in groups.joined() { normalised[m] = try LLMRank.normalised(scores[m]!, what: "\(scorer.name) scores of \(m.name)") }
        importances[rawMemo] = scores
        importances[memo] = normalised
        return raw ? scores : normalised
    }

    /// The pruned and physically shrunk model.
    public func prune(_ importances: [LinearModule: [Double]], structure: PruningStructure, pipeline: Pipeline,
                      pruner: ComponentSpec, amount: Double) throws -> Pruned {
        let (blocks, mlps) = try mlps(structure, pipeline)
        let made = try PrunerRegistry.make(pruner)
        let removed: [LinearModule: [Int]]
        if type(of: made).countsParameters {
            // A parameter budget needs units whose cost is known: whole neurons, here (heads and blocks
            // take the unit path). All blocks' neurons compete for it.
            guard structure.wholeNeurons else {
                throw PruningError("pruner \(pruner.name) removes a share of the parameters, which needs units of known cost; the chain \(structure.chain.joined(separator: " -> ")) has none (use mlp.neurons, attention.heads or blocks)",
                                   subject: .module(structure.chain[0]))
            }
            try checkAmount(amount)
            let modules = Array(blocks.joined()), c = dense.config
            let lists = modules.map { importances[$0]! }
            let costs = zip(modules, lists).map { m, list in [Int](repeating: PruningUnit(.neuron, layer: m.layer).parameters(c), count: list.count) }
            let chosen = made.unitsToPrune(lists, costs: costs, of: UnitPruning.blockParameters(c), amount: amount)
            removed = Dictionary(uniqueKeysWithValues: zip(modules, chosen).map { ($0, $1) })
        } else {
            removed = try LLMRank.rowsToPrune(importances: importances, mlps: mlps, pruner: made, amount: amount)
        }
        var kept: [String: Int] = [:], total: [String: Int] = [:]
        for m in blocks.joined() {
            let rows = dense.weights.layers[m.layer].weight(m.kind).rows
            total[m.name] = rows
            kept[m.name] = rows - (removed[m]?.count ?? 0)
        }
        return Pruned(model: ApplyPruning.shrunk(dense, removing: removed), removed: removed, keptRows: kept, totalRows: total)
    }

    /// The pruned model a stored cell chose: its kept rows per module (`RowMask` hex), checked against
    /// the structure's modules and their sizes, without calibrating or scoring again.
    public func prune(keeping masks: [String: String], structure: PruningStructure) throws -> Pruned {
        if let kinds = structure.mixedUnits ?? structure.unit.map({ [$0] }) {
            let lists = MixedUnits.lists(kinds, dense.config)
            var units: [PruningUnit] = []
            for list in lists {
                guard let mask = masks[list.name], let keptUnits = RowMask.decode(mask, rows: list.count) else {
                    throw PruningError("the stored kept units of \(list.name) are missing or do not fit its \(list.count) units")
                }
                let keep = Set(keptUnits)
                units += (0..<list.count).filter { !keep.contains($0) }.map(list.unit)
            }
            guard Set(masks.keys) == Set(lists.map(\.name)) else {
                throw PruningError("the stored kept units name lists outside the structure")
            }
            // A removed block's neurons and heads are recorded kept (the block took them along).
            return prunedUnits(units, kinds: kinds)
        }
        var removed: [LinearModule: [Int]] = [:], kept: [String: Int] = [:], total: [String: Int] = [:]
        for m in try structure.resolve(dense.config).joined() {
            let rows = dense.weights.layers[m.layer].weight(m.kind).rows
            guard let mask = masks[m.name], let rowsKept = RowMask.decode(mask, rows: rows) else {
                throw PruningError("the stored kept rows of \(m.name) are missing or do not fit its \(rows) rows")
            }
            let keep = Set(rowsKept)
            removed[m] = (0..<rows).filter { !keep.contains($0) }
            kept[m.name] = rowsKept.count
            total[m.name] = rows
        }
        guard Set(masks.keys) == Set(total.keys) else { throw PruningError("the stored kept rows name modules outside the structure") }
        return Pruned(model: ApplyPruning.shrunk(dense, removing: removed.filter { !$0.value.isEmpty }), removed: removed,
                      keptRows: kept, totalRows: total)
    }

    /// Every block's similarity of input and output hidden states over the calibration windows of `spec`
    /// (what block scorers read), measured once per calibration.
    public func blockSimilarity(_ spec: CalibrationSpec, computing: () -> Void = {},
                                progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> BlockSimilarity {
        if let hit = similarities["\(spec)"] { return hit }
        computing()
        let measured = BlockSimilarity.measure(dense, windows: try calibration(spec).windows, progress: progress)
        similarities["\(spec)"] = measured
        return measured
    }

    /// Importances of a coupled-unit structure's lists (`UnitPruning.importances`), computed once per inputs.
    public func unitImportances(_ scorer: ComponentSpec, structure: PruningStructure, calibration: CalibrationSpec?, calibrated: Calibrated?,
                                computing: () -> Void = {}, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [[Double]] {
        guard let unit = structure.unit else { throw PruningError("the structure \(structure) has no coupled units") }
        let memo = "\(calibrated?.tokensSHA256 ?? "-")|\(structure)|\(scorer)"
        if let hit = unitImportances[memo] { return hit }
        computing()
        let made = try ScorerRegistry.make(scorer)
        var similarity: BlockSimilarity? = nil
        if type(of: made).unit == .block {
            guard let calibration else { throw PruningError("scorer \(scorer.name) needs calibration data") }
            similarity = try blockSimilarity(calibration, progress: progress)
        }
        let result = try UnitPruning.importances(model: dense, statistics: calibrated?.statistics, similarity: similarity, unit: unit, scorer: made)
        unitImportances[memo] = result
        return result
    }

    /// The model with the chosen coupled units removed and shrunk.
    public func pruneUnits(_ importances: [[Double]], structure: PruningStructure, pipeline: Pipeline,
                           pruner: ComponentSpec, amount: Double) throws -> Pruned {
        guard let unit = structure.unit else { throw PruningError("the structure \(structure) has no coupled units") }
        let units = try UnitPruning.select(importances, unit: unit, config: dense.config, pipeline: pipeline,
                                           pruner: PrunerRegistry.make(pruner), amount: amount)
        return prunedUnits(units, kinds: [unit])
    }

    /// Raw scores of every unit list of a mix (`MixedUnits.scores`), computed once per inputs.
    public func mixedScores(_ scorer: ComponentSpec, structure: PruningStructure, calibration: CalibrationSpec?, calibrated: Calibrated?,
                            computing: () -> Void = {}, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [[Double]] {
        guard let kinds = structure.mixedUnits else { throw PruningError("the structure \(structure) is not a mix of units") }
        let memo = "\(calibrated?.tokensSHA256 ?? "-")|\(structure)|\(scorer)|\(precision)"
        if let hit = unitImportances[memo] { return hit }
        computing()
        guard let calibration else { throw PruningError("scorer \(scorer.name) needs calibration data") }
        let similarity = try blockSimilarity(calibration, progress: progress)
        let result = try MixedUnits.scores(model: dense, statistics: calibrated?.statistics, similarity: similarity, kinds: kinds,
                                           scorer: ScorerRegistry.make(scorer))
        unitImportances[memo] = result
        return result
    }

    /// The model with the units a parameter budget chose from a mix removed and shrunk.
    public func pruneMixed(_ scores: [[Double]], structure: PruningStructure, pruner: ComponentSpec, amount: Double) throws -> Pruned {
        guard let kinds = structure.mixedUnits else { throw PruningError("the structure \(structure) is not a mix of units") }
        try structure.check(pruner: pruner)
        let perBlock = (try PrunerRegistry.make(pruner) as? BudgetPruner)?.perBlock ?? false
        return prunedUnits(try MixedUnits.select(scores, kinds: kinds, config: dense.config, amount: amount, perBlock: perBlock), kinds: kinds)
    }

    func prunedUnits(_ units: [PruningUnit], kinds: [UnitKind]) -> Pruned {
        var kept: [String: Int] = [:], total: [String: Int] = [:], byName: [String: [Int]] = [:]
        for list in MixedUnits.lists(kinds, dense.config) {
            let gone = units.filter { $0.kind == list.kind && (list.kind == .block || $0.layer == list.layer) }
                .map { list.kind == .block ? $0.layer : $0.index }
            total[list.name] = list.count
            kept[list.name] = list.count - gone.count
            byName[list.name] = gone.sorted()
        }
        var p = Pruned(model: ApplyUnits.shrunk(dense, removing: units), removed: [:], keptRows: kept, totalRows: total)
        p.units = units
        p.removedByName = byName
        return p
    }

    /// A text file's token ids, read and tokenized once, with the digest of the bytes read.
    public func text(_ path: String) throws -> Text {
        if let hit = texts[path] { return hit }
        let (content, sha256) = try TextFile.readHashed(path)
        let text = Text(ids: bundle.tokenizer.encode(content), sha256: sha256)
        texts[path] = text
        return text
    }

    public func tokens(of path: String) throws -> [Int32] { try text(path).ids }

    /// The evaluator of `setting`, its data file read (and tokenized) once, with the digest of those bytes.
    public func evaluator(_ setting: EvaluationSetting) throws -> (evaluator: any Evaluator, sha256: String) {
        if let hit = evaluators[setting] { return hit }
        let contents = try TextFile.bytes(setting.text)
        let made = (try EvaluatorRegistry.make(setting, data: contents.data, tokenizer: bundle.tokenizer), contents.sha256)
        evaluators[setting] = made
        return made
    }
}
