import Llama
import Tensor

/// Scoring and choosing coupled units (key/value head groups, blocks): importances per list of units
/// (one list per block for heads, one list of all blocks for blocks), each normalised to sum 1, and the
/// units a pruner removes from them.
public enum UnitPruning {
    /// The name a unit list's kept mask is recorded under: `model.layers.3.self_attn.heads` (its rows
    /// are the block's key/value head groups) or `model.layers` (its rows are the blocks).
    public static func listName(_ unit: UnitKind, layer: Int) -> String {
        unit == .block ? "model.layers" : "model.layers.\(layer).self_attn.heads"
    }

    /// The unit lists of a model: (list name, the layer it belongs to, its size).
    public static func lists(_ unit: UnitKind, _ c: LlamaConfig) -> [(name: String, layer: Int, count: Int)] {
        switch unit {
        case .block: [(listName(.block, layer: 0), 0, c.numHiddenLayers)]
        case .head: (0..<c.numHiddenLayers).map { (listName(.head, layer: $0), $0, c.keyValueHeads(layer: $0)) }
        case .neuron: (0..<c.numHiddenLayers).map { ("model.layers.\($0).mlp.neurons", $0, c.intermediateSizes[$0]) }
        }
    }

    /// Parameters of all decoder blocks: what a parameter budget is a share of (embeddings and the
    /// output head are never pruned).
    public static func blockParameters(_ c: LlamaConfig) -> Int {
        (0..<c.numHiddenLayers).reduce(0) { $0 + PruningUnit(.block, layer: $1).parameters(c) }
    }

    /// Importances of every unit list, each summing to 1, under a scorer of `unit`.
    public static func importances(model: LlamaModel, statistics: CalibrationStatistics?, similarity: BlockSimilarity?,
                                   unit: UnitKind, scorer: any Scorer) throws -> [[Double]] {
        let kind = type(of: scorer)
        guard kind.unit == unit else {
            let fitting = ScorerRegistry.all.filter { $0.unit == unit }.map { $0.name }.joined(separator: ", ")
            let structure = PruningStructure.unitNames.first { $0.value == unit }!.key
            throw PruningError("scorer \(kind.name) does not score \(unit.rawValue)s; the structure \(structure) takes: \(fitting)")
        }
        let c = model.config
        switch unit {
        case .block:
            guard let similarity, similarity.cosine.count == c.numHiddenLayers else {
                throw PruningError("scorer \(kind.name) needs the blocks' hidden-state similarities from calibration data")
            }
            let o = LinearModule(layer: 0, kind: .o)
            let input = ScoringInput(weight: model.weights.layers[0].o.matrix, previous: [1], inputNorms: [], outputNorms: [], module: o,
                                     blocks: similarity)
            return [try LLMRank.normalised(scorer.score(input), what: "\(kind.name) scores of the blocks")]
        case .head:
            let graph = scorer as? any HeadGraphScorer
            var modules: [LinearModule] = [], perBlock: [[Double]] = [], graphInputs: [ScoringInput] = []
            for l in 0..<c.numHiddenLayers {
                let o = LinearModule(layer: l, kind: .o), stored = model.weights.layers[l].o
                // A 16-bit o_proj is widened for its block only and not kept: a per-block scorer scores it
                // at once, and a graph scorer reads o_proj from the layers (one widened copy at a time).
                let weight = stored.matrix
                guard let stats = statistics?[o], stats.input.count == weight.columns,
                      let channels = statistics?.attention(layer: l), channels.variance.count == weight.columns else {
                    throw PruningError("scorer \(kind.name) needs the calibration statistics of \(o.name)'s input")
                }
                let heads = HeadInputs(groups: c.keyValueHeads(layer: l), channels: c.queryGroup * c.headDim,
                                       channelNorms: stats.input, outputColumnNorms: LLMRank.columnNorms(weight),
                                       channelVariance: channels.variance)
                let kept = graph == nil || stored.type == .f32 ? weight : Matrix(rows: 0, columns: 0)
                var input = ScoringInput(weight: kept, previous: [], inputNorms: stats.input, outputNorms: stats.output, module: o)
                input.heads = heads
                modules.append(o)
                if graph == nil { perBlock.append(try scorer.score(input)) } else { graphInputs.append(input) }
            }
            // A scorer of the graph over all blocks' groups scores them in one pass.
            let scores = try graph?.score(blocks: graphInputs, layers: model.weights.layers, headDim: c.headDim) ?? perBlock
            return try zip(scores, modules).map { try LLMRank.normalised($0, what: "\(kind.name) scores of \($1.name)") }
        case .neuron:
            throw PruningError("whole neurons are scored as rows of mlp.up_proj (structure mlp.neurons)")
        }
    }

    /// The units `pruner` removes. Head groups compete within their block under the isolated pipeline,
    /// across blocks under the chained one; blocks always compete with each other.
    public static func select(_ importances: [[Double]], unit: UnitKind, config: LlamaConfig, pipeline: Pipeline,
                              pruner: any Pruner, amount: Double) throws -> [PruningUnit] {
        try checkAmount(amount)
        guard pruner.spared.isEmpty else {
            throw PruningError("\(pruner.spared.description) spares blocks from row and neuron pruning; \(unit.rawValue)s are chosen across blocks without it",
                               subject: .parameterName("spare_first"))
        }
        let lists = lists(unit, config)
        guard importances.count == lists.count, zip(importances, lists).allSatisfy({ $0.count == $1.count }) else {
            throw PruningError("importances do not fit the model's \(unit.rawValue)s")
        }
        // A parameter budget is over the whole model, so all lists compete under it.
        let alone = unit == .head && pipeline == .isolated && !type(of: pruner).countsParameters
        let groups: [[Int]] = alone ? lists.indices.map { [$0] } : [Array(lists.indices)]
        let costs = lists.map { list in
            (0..<list.count).map { i in (unit == .block ? PruningUnit(.block, layer: i) : PruningUnit(unit, layer: list.layer, index: i)).parameters(config) }
        }
        var removed: [PruningUnit] = []
        for group in groups {
            let chosen = pruner.unitsToPrune(group.map { importances[$0] }, costs: group.map { costs[$0] }, of: blockParameters(config), amount: amount)
            for (i, rows) in zip(group, chosen) {
                removed += rows.map { unit == .block ? PruningUnit(.block, layer: $0) : PruningUnit(unit, layer: lists[i].layer, index: $0) }
            }
        }
        return removed
    }
}
