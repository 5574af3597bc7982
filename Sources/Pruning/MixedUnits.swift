import Llama

/// A mix of unit structures (`mlp.neurons + attention.heads + blocks`): every block's neurons, every
/// block's key/value head groups and the blocks themselves compete under one parameter budget. Their
/// scores come from a scorer of mixes (one scale for every kind, never normalised per list) and the
/// units of least score per parameter go first.
public enum MixedUnits {
    /// One list of units of the mix: its kind, the name its kept mask is recorded under, its block, its size.
    public struct List: Sendable {
        public let kind: UnitKind
        public let name: String
        public let layer: Int
        public let count: Int

        func unit(_ i: Int) -> PruningUnit { kind == .block ? PruningUnit(.block, layer: i) : PruningUnit(kind, layer: layer, index: i) }
    }

    /// The unit lists of a mix of `kinds`, in a fixed order: neurons, then head groups, block by block, then the blocks.
    public static func lists(_ kinds: [UnitKind], _ c: LlamaConfig) -> [List] {
        UnitKind.allCases.filter { kinds.contains($0) }.flatMap { kind in
            UnitPruning.lists(kind, c).map { List(kind: kind, name: $0.name, layer: $0.layer, count: $0.count) }
        }
    }

    /// Every list's raw scores under a scorer of mixes, from the neurons' and heads' calibration
    /// statistics and the blocks' energies.
    public static func scores(model: LlamaModel, statistics: CalibrationStatistics?, similarity: BlockSimilarity,
                              kinds: [UnitKind], scorer: any Scorer) throws -> [[Double]] {
        let kind = type(of: scorer)
        guard kind.scoresMixes else {
            let fitting = ScorerRegistry.all.filter { $0.scoresMixes }.map { $0.name }.joined(separator: ", ")
            throw PruningError("scorer \(kind.name) scores one kind of unit; the units of a mix compete on one scale, which only \(fitting) gives")
        }
        let c = model.config
        return try lists(kinds, c).map { list -> [Double] in
            var input: ScoringInput
            switch list.kind {
            case .neuron:
                let up = LinearModule(layer: list.layer, kind: .up)
                guard let n = statistics?.neurons(layer: list.layer), n.norm.count == list.count else {
                    throw PruningError("scorer \(kind.name) needs the FFN activation statistics of block \(list.layer)")
                }
                input = ScoringInput(weight: model.weights.layers[list.layer].up.matrix, previous: [], inputNorms: [], outputNorms: [], module: up)
                input.neurons = NeuronInputs(norm: n.norm, mean: n.mean, variance: n.variance,
                                             downColumnNorms: LLMRank.columnNorms(model.weights.layers[list.layer].down.matrix))
            case .head:
                let o = LinearModule(layer: list.layer, kind: .o), weight = model.weights.layers[list.layer].o.matrix
                guard let stats = statistics?[o], stats.input.count == weight.columns,
                      let channels = statistics?.attention(layer: list.layer), channels.variance.count == weight.columns else {
                    throw PruningError("scorer \(kind.name) needs the calibration statistics of \(o.name)'s input")
                }
                input = ScoringInput(weight: weight, previous: [], inputNorms: stats.input, outputNorms: stats.output, module: o)
                input.heads = HeadInputs(groups: list.count, channels: c.queryGroup * c.headDim, channelNorms: stats.input,
                                         outputColumnNorms: LLMRank.columnNorms(weight), channelVariance: channels.variance)
            case .block:
                input = ScoringInput(weight: model.weights.layers[0].o.matrix, previous: [], inputNorms: [], outputNorms: [],
                                     module: LinearModule(layer: 0, kind: .o))
            }
            input.blocks = similarity
            let s = try scorer.score(input)
            guard s.count == list.count, s.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw PruningError("\(kind.name) scores of \(list.name) are not \(list.count) finite non-negative values")
            }
            return s
        }
    }

    /// The units a parameter budget removes from a mix: by ascending score per parameter, until the
    /// removed parameters reach amount × the blocks' parameters. A block removed after some of its units
    /// costs only what is left of it (and takes them along); a unit of a removed block is passed over.
    /// Every kept block keeps a neuron and a head group, and one block always stays. With `perBlock`,
    /// each block's neurons and head groups compete for amount × that block's parameters alone.
    public static func select(_ scores: [[Double]], kinds: [UnitKind], config c: LlamaConfig, amount: Double,
                              perBlock: Bool = false) throws -> [PruningUnit] {
        try checkAmount(amount)
        let lists = lists(kinds, c)
        guard scores.count == lists.count, zip(scores, lists).allSatisfy({ $0.count == $1.count }) else {
            throw PruningError("scores do not fit the units of the mix")
        }
        if perBlock && kinds.contains(.block) {
            throw PruningError("budget(per_block: true) spends every block's own share, so it cannot remove whole blocks; drop blocks from the mix")
        }
        var flat: [(value: Double, list: Int, index: Int)] = []
        for (l, list) in lists.enumerated() {
            for i in 0..<list.count { flat.append((scores[l][i] / Double(list.unit(i).parameters(c)), l, i)) }
        }
        let order = flat.indices.sorted { flat[$0].value != flat[$1].value ? flat[$0].value < flat[$1].value : $0 < $1 }
        // One budget over all blocks, or one per block.
        let targets = perBlock ? (0..<c.numHiddenLayers).map { amount * Double(PruningUnit(.block, layer: $0).parameters(c)) }
                               : [amount * Double(UnitPruning.blockParameters(c))]
        var spent = [Int](repeating: 0, count: targets.count)
        var removed: [Int: [PruningUnit]] = [:]   // by block: its removed neurons and head groups
        var goneBlocks: Set<Int> = []
        for k in order {
            let list = lists[flat[k].list], unit = list.unit(flat[k].index)
            let budget = perBlock ? unit.layer : 0
            guard Double(spent[budget]) < targets[budget] else { continue }
            if unit.kind == .block {
                guard goneBlocks.count < c.numHiddenLayers - 1 else { continue }
                let inside = removed[unit.layer, default: []].reduce(0) { $0 + $1.parameters(c) }
                spent[budget] += unit.parameters(c) - inside
                goneBlocks.insert(unit.layer)
                removed[unit.layer] = nil
            } else {
                guard !goneBlocks.contains(unit.layer),
                      removed[unit.layer, default: []].filter({ $0.kind == unit.kind }).count < list.count - 1 else { continue }
                removed[unit.layer, default: []].append(unit)
                spent[budget] += unit.parameters(c)
            }
        }
        let units = removed.values.joined() + goneBlocks.map { PruningUnit(.block, layer: $0) }
        return units.sorted { ($0.layer, $0.kind.rawValue, $0.index) < ($1.layer, $1.kind.rawValue, $1.index) }
    }
}
