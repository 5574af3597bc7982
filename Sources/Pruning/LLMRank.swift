import Llama
import Tensor

/// The LLM-Rank procedure on a model: walk each MLP's modules in order, score each one, normalise its
/// scores to sum 1 (its importance), and pass that on as the next module's `previous`; then let a
/// pruner pick rows from the importances.
public enum LLMRank {
    /// Importances (each module's sums to 1) for every module of the structure.
    /// With `flows` false (whole neurons), no importance passes from one module to the next: each is
    /// scored from its own input statistic, so modules are scored side by side, one per core (a
    /// scorer such as obs(greedy: true) spends seconds on each block).
    /// With `normalise` false (only where nothing flows), each module keeps the scorer's own scores,
    /// checked as importances are, for a pruner that compares them across blocks.
    public static func importances(
        model: LlamaModel, statistics: CalibrationStatistics?, mlps: [[LinearModule]], scorer: any Scorer, flows: Bool = true,
        grams: GramStore? = nil, normalise: Bool = true
    ) throws -> [LinearModule: [Double]] {
        precondition(normalise || !flows, "raw scores cannot flow along a chain: the next module reads a normalised importance")
        var result: [LinearModule: [Double]] = [:]
        let score = { (module: LinearModule, previous: [Double]?) throws -> [Double] in
            let input = try scoringInput(model: model, statistics: statistics, module: module, previous: previous, scorer: scorer, grams: grams)
            let what = "\(type(of: scorer).name) scores of \(module.name)"
            let scores = try scorer.score(input)
            return normalise ? try normalised(scores, what: what) : try checked(scores, what: what)
        }
        if flows {
            for mlp in mlps {
                var previous: [Double]? = nil
                for module in mlp {
                    let importance = try score(module, previous)
                    result[module] = importance
                    previous = importance
                }
            }
            return result
        }
        let modules = mlps.flatMap { $0 }
        let outcomes = UnsafeMutableBufferPointer<Result<[Double], any Error>>.allocate(capacity: modules.count)
        outcomes.initialize(repeating: .success([]))
        defer { outcomes.deallocate() }
        let out = UncheckedBox(outcomes)
        let workers = max(1, min(Parallel.cores, modules.count)), threads = BLAS.threads
        BLAS.threads = BLAS.threads(beside: workers)
        defer { BLAS.threads = threads }
        Parallel.workQueue(modules.count, threads: workers) { _, i in
            out.value[i] = Result { try score(modules[i], nil) }
        }
        // The first failure in module order, as the serial walk would have met it.
        for (i, module) in modules.enumerated() { result[module] = try outcomes[i].get() }
        return result
    }

    /// What the scorer sees of one module, checked against the model and the statistics it needs.
    static func scoringInput(model: LlamaModel, statistics: CalibrationStatistics?, module: LinearModule, previous: [Double]?,
                             scorer: any Scorer, grams: GramStore?) throws -> ScoringInput {
        let kind = type(of: scorer)
        let isNeurons = module.kind == .gate || module.kind == .up
        if let unit = kind.unit {
            let structure = PruningStructure.unitNames.first { $0.value == unit }!.key
            throw PruningError("scorer \(kind.name) scores \(unit.rawValue)s, not the rows of \(module.name); use the structure \(structure)",
                               subject: .module(module.kind.rawValue))
        }
        if kind.scoresNeurons && !isNeurons {
            throw PruningError("scorer \(kind.name) scores FFN neurons (rows of mlp.up_proj or mlp.gate_proj), not the rows of \(module.name); use the structure mlp.neurons",
                               subject: .module(module.kind.rawValue))
        }
        let weight = model.weights.layers[module.layer].weight(module.kind).matrix
        let stats = statistics?[module]
        if stats == nil && kind.needsStatistics {
            throw PruningError("scorer \(kind.name) needs calibration statistics for \(module.name)")
        }
        let inputs = stats?.input ?? []
        let outputs = stats?.output ?? []
        if let stats {
            guard stats.input.count == weight.columns, stats.output.count == weight.rows else {
                throw PruningError("calibration statistics of \(module.name) do not fit its weight [\(weight.rows), \(weight.columns)]")
            }
        }
        // The first module's "previous importance" is its input statistic (uniform without one).
        let raw = previous ?? (inputs.isEmpty ? [Double](repeating: 1, count: weight.columns) : inputs)
        guard raw.count == weight.columns else {
            throw PruningError("\(module.name) takes \(weight.columns) inputs but the module before it in the chain has \(raw.count) outputs")
        }
        var neurons: NeuronInputs? = nil
        // down_proj in Float32, widened once (a 16-bit one) for its column norms and the Gram scorers.
        var down: Matrix? = nil
        if isNeurons, let n = statistics?.neurons(layer: module.layer), n.norm.count == weight.rows {
            let d = model.weights.layers[module.layer].down.matrix
            down = d
            neurons = NeuronInputs(norm: n.norm, mean: n.mean, variance: n.variance, downColumnNorms: columnNorms(d))
        }
        if kind.scoresNeurons && neurons == nil {
            throw PruningError("scorer \(kind.name) needs the FFN activation statistics of block \(module.layer)")
        }
        if kind.needsGrams {
            guard let g = grams?.gram(module.layer, width: weight.rows) else {
                throw PruningError("scorer \(kind.name) needs the Gram matrix of block \(module.layer)'s activations")
            }
            neurons?.gram = g
            neurons?.down = down
            neurons?.tokens = statistics?.tokens ?? 0
        }
        return ScoringInput(weight: weight, previous: try normalised(raw, what: "input of \(module.name)"),
                            inputNorms: inputs, outputNorms: outputs, module: module, neurons: neurons)
    }

    /// The share of rows each block not spared loses so that the model-wide share is `amount`: refused
    /// when the spared blocks are all of them or leave too few rows. `rows` gives a module's row count, so
    /// this is checked from the model's shapes before any calibration as well as when rows are chosen.
    public static func sparedShare(mlps: [[LinearModule]], rows: (LinearModule) -> Int, spared: SparedBlocks, amount: Double) throws -> Double {
        let modules = mlps.joined(), layers = (modules.map(\.layer).max() ?? -1) + 1
        guard spared.first + spared.last < layers else {
            throw PruningError("\(spared.description) spares every one of the model's \(layers) blocks; nothing is left to prune", subject: .parameterName("spare_first"))
        }
        let all = modules.reduce(0) { $0 + rows($1) }
        let open = modules.filter { !spared.contains($0.layer, of: layers) }.reduce(0) { $0 + rows($1) }
        let share = amount * Double(all) / Double(open)
        guard share < 1 else {
            throw PruningError(String(format: "amount %@ of all rows is %.3f of the rows of the blocks not spared (\(spared.description)); it must stay below 1",
                                      amount.clean, share), subject: .parameterName("spare_first"))
        }
        return share
    }

    /// Rows to remove per module, MLP by MLP.
    public static func rowsToPrune(
        importances: [LinearModule: [Double]], mlps: [[LinearModule]], pruner: any Pruner, amount: Double
    ) throws -> [LinearModule: [Int]] {
        try checkAmount(amount)
        var result: [LinearModule: [Int]] = [:]
        let spared = pruner.spared
        guard !spared.isEmpty else {
            for mlp in mlps {
                let rows = pruner.rowsToPrune(mlp.map { importances[$0]! }, amount: amount)
                for (m, r) in zip(mlp, rows) { result[m] = r }
            }
            return result
        }
        // Spared blocks lose nothing; the rest lose the share that keeps the model-wide amount.
        let share = try sparedShare(mlps: mlps, rows: { importances[$0]!.count }, spared: spared, amount: amount)
        let layers = (mlps.joined().map(\.layer).max() ?? -1) + 1
        for mlp in mlps {
            let pruned = mlp.filter { !spared.contains($0.layer, of: layers) }
            for m in mlp where spared.contains(m.layer, of: layers) { result[m] = [] }
            guard !pruned.isEmpty else { continue }
            let rows = pruner.rowsToPrune(pruned.map { importances[$0]! }, amount: share)
            for (m, r) in zip(pruned, rows) { result[m] = r }
        }
        return result
    }

    /// ‖W[:, j]‖ for every column j, in Float64.
    static func columnNorms(_ w: Matrix) -> [Double] {
        var out = [Double](repeating: 0, count: w.columns)
        for r in 0..<w.rows {
            let row = w.row(r)
            for c in 0..<w.columns { out[c] += Double(row[c]) * Double(row[c]) }
        }
        return out.map { $0.squareRoot() }
    }

    /// v / Σv, refusing negative, non-finite or all-zero scores (the reference asserts the same).
    static func normalised(_ v: [Double], what: String) throws -> [Double] {
        let total = try checked(v, what: what).reduce(0, +)
        guard total > 0 else { throw PruningError("\(what) are all zero; they cannot be normalised") }
        return v.map { $0 / total }
    }

    /// v itself, refusing negative or non-finite scores.
    static func checked(_ v: [Double], what: String) throws -> [Double] {
        guard v.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw PruningError("\(what) contain negative or non-finite values") }
        return v
    }
}
