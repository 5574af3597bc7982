/// Chooses which output rows of each layer of one MLP to remove, from the layers' importances.
public protocol Pruner: Sendable {
    static var name: String { get }
    init(_ parameters: inout ParameterReader) throws
    /// For each layer, the row indices to remove (ascending).
    func rowsToPrune(_ importances: [[Double]], amount: Double) -> [[Int]]
    /// Whether `amount` is a share of parameters (so the pruner needs each unit's cost).
    static var countsParameters: Bool { get }
    /// For each list of units, the indices to remove, knowing what each unit costs in parameters and
    /// the parameters `amount` is a share of. Pruners of rows ignore the costs.
    func unitsToPrune(_ importances: [[Double]], costs: [[Int]], of total: Int, amount: Double) -> [[Int]]
    /// Whether it ranks the scorer's raw scores across blocks (so it is given them, not importances
    /// normalised per module), which needs a scorer whose scores share units across blocks.
    var comparesRawScores: Bool { get }
    /// Blocks left whole (rows and neurons only), the others pruning more to keep the model-wide amount.
    var spared: SparedBlocks { get }
}

extension Pruner {
    public static var countsParameters: Bool { false }
    public var comparesRawScores: Bool { false }
    public var spared: SparedBlocks { .none }
    public func unitsToPrune(_ importances: [[Double]], costs: [[Int]], of total: Int, amount: Double) -> [[Int]] {
        rowsToPrune(importances, amount: amount)
    }
}

/// The pruners the tool knows. A new pruner is one new type plus one line here.
public enum PrunerRegistry {
    public static let all: [any Pruner.Type] = [LocalPruner.self, GlobalPruner.self, BudgetPruner.self]

    public static var names: [String] { all.map { $0.name } }

    public static func make(_ spec: ComponentSpec) throws -> any Pruner {
        guard let type = all.first(where: { $0.name == spec.name }) else {
            throw PruningError("unknown pruner `\(spec.name)`; known pruners: \(names.joined(separator: ", "))")
        }
        var reader = ParameterReader(spec)
        let pruner = try type.init(&reader)
        try reader.finish()
        return pruner
    }
}

extension PrunerRegistry {
    /// Refuses a pruner that compares raw scores across blocks where they are not comparable: the
    /// scorer must say its scores share units across blocks, the structure must be whole neurons
    /// (each block scored on its own, nothing normalised along a chain), and the pipeline chained
    /// (isolated, each block is pruned alone and raw scores rank as normalised ones do).
    public static func checkScores(pruner: ComponentSpec, scorer: ComponentSpec, structure: PruningStructure, pipeline: Pipeline) throws {
        let madePruner = try make(pruner)
        if !madePruner.spared.isEmpty, structure.unit != nil || structure.isMixed {
            throw PruningError("pruner \(pruner) spares blocks from row and neuron pruning; the structure \(structure.chain.joined(separator: " -> ")) chooses its units across blocks without it",
                               subject: .parameterName("spare_first"))
        }
        guard madePruner.comparesRawScores else { return }
        let made = try ScorerRegistry.make(scorer)
        guard made.commonUnit != nil else {
            let fitting = ScorerRegistry.all.filter { type in
                var reader = ParameterReader(ComponentSpec(name: type.name))
                return (try? type.init(&reader))?.commonUnit != nil
            }.map { $0.name }
            throw PruningError("pruner \(pruner) ranks raw scores across blocks, but scorer \(scorer)'s scores compare only within a module; use a scorer whose scores share units across blocks (\(fitting.joined(separator: ", "))) or the pruner without scores: raw",
                               subject: .parameterValue("scores"))
        }
        guard structure.wholeNeurons else {
            throw PruningError("pruner \(pruner) ranks raw scores of whole neurons across blocks; the structure \(structure.chain.joined(separator: " -> ")) is not whole neurons (use mlp.neurons)",
                               subject: .parameterValue("scores"))
        }
        guard pipeline == .chained else {
            throw PruningError("pruner \(pruner) ranks raw scores across blocks, but the isolated pipeline prunes each block alone; use the chained pipeline",
                               subject: .parameterValue("scores"))
        }
    }
}

/// The pruning amount must lie in [0, 1): pruning every row leaves no model.
public func checkAmount(_ amount: Double) throws {
    guard amount.isFinite, amount >= 0, amount < 1 else {
        throw PruningError("amount must lie in [0, 1), got \(amount.clean)")
    }
}

/// How many of `rows` rows `amount` removes, rounded by `rule`, as an Int that cannot trap: NaN and
/// negative amounts remove none, and the count never exceeds `rows`.
func rowCount(_ amount: Double, of rows: Int, _ rule: FloatingPointRoundingRule) -> Int {
    let k = (amount * Double(rows)).rounded(rule)
    guard k > 0 else { return 0 }   // false for NaN too
    return k < Double(rows) ? Int(k) : rows
}

/// local: every layer loses the same share, round(amount · rows) rows (Python's round, half to even:
/// 0.3 · 1536 = 460.8 → 461), those of lowest importance, but never its last row: an empty module
/// could not be stored as a model file.
///
/// `spare_first: n, spare_last: m` leave the first n and last m blocks whole; every other module then
/// loses amount × (all rows) / (rows of the modules not spared), so the model-wide share is the amount.
public struct LocalPruner: Pruner {
    public static let name = "local"
    public let spared: SparedBlocks

    public init(_ parameters: inout ParameterReader) throws {
        spared = try SparedBlocks(&parameters)
    }

    public func rowsToPrune(_ importances: [[Double]], amount: Double) -> [[Int]] {
        importances.map { layer in
            let k = min(rowCount(amount, of: layer.count, .toNearestOrEven), max(layer.count - 1, 0))
            return Ranking.ascending(layer).prefix(k).sorted()
        }
    }
}

/// global: the ceil(amount · total rows) lowest-importance rows over all layers of the MLP go; each
/// layer loses its share. The reference ranks importances that sum to 1 per layer, so a wide layer's
/// entries are smaller and it loses nearly everything; `balance: width` ranks importance × rows
/// instead, so layers of different widths compete on equal terms. A layer's last row is passed over
/// (the next lowest row elsewhere goes instead), so no module is emptied.
///
/// `scores: raw` ranks the scorer's own scores, not normalised, across blocks: only for whole neurons
/// under the chained pipeline and a scorer whose scores are in units every block shares (`obs`: the
/// squared error of the block's FFN output), where a common threshold on the removal cost is what
/// makes the blocks' losses comparable (`PrunerRegistry.checkScores` refuses the rest).
/// `spread: s` bounds each layer's share of removed rows to [(1 − s), (1 + s)] × amount (floor and
/// ceil of the row counts), so the global ranking only moves rows between layers within that band;
/// `spread: 0` is the local share (ceil instead of round). `spare_first` and `spare_last` as for local.
public struct GlobalPruner: Pruner {
    public static let name = "global"
    public let spared: SparedBlocks
    public let balanceByWidth: Bool
    public let rawScores: Bool
    /// The bound on each layer's share around `amount`, nil for none.
    public let spread: Double?

    public var comparesRawScores: Bool { rawScores }

    public init(_ parameters: inout ParameterReader) throws {
        balanceByWidth = try parameters.word("balance", default: "none", allowed: ["none", "width"]) == "width"
        rawScores = try parameters.word("scores", default: "normalised", allowed: ["normalised", "raw"]) == "raw"
        let s = try parameters.number("spread", default: .nan, in: 0...1)
        spread = s.isNaN ? nil : s
        spared = try SparedBlocks(&parameters)
        if rawScores && balanceByWidth {
            throw PruningError("global: balance: width rescales importances normalised per layer; raw scores are compared as they are, so give one or the other",
                               subject: .parameterName("balance"))
        }
    }

    public func rowsToPrune(_ importances: [[Double]], amount: Double) -> [[Int]] {
        var flat: [(value: Double, layer: Int)] = []
        for (l, layer) in importances.enumerated() {
            let scale = balanceByWidth ? Double(layer.count) : 1
            for v in layer { flat.append((v * scale, l)) }
        }
        let k = rowCount(amount, of: flat.count, .up)
        // Each layer loses between lower[l] and upper[l] rows, never its last one.
        let upper0 = importances.map { max($0.count - 1, 0) }
        var lower = importances.map { _ in 0 }, upper = upper0
        if let spread {
            for (l, layer) in importances.enumerated() {
                lower[l] = min(rowCount((1 - spread) * amount, of: layer.count, .down), upper0[l])
                upper[l] = min(rowCount((1 + spread) * amount, of: layer.count, .up), upper0[l])
            }
        }
        let order = flat.indices.sorted { flat[$0].value != flat[$1].value ? flat[$0].value < flat[$1].value : $0 < $1 }
        var counts = lower
        var taken = counts.reduce(0, +), seen = importances.map { _ in 0 }
        for i in order where taken < k {
            let l = flat[i].layer
            seen[l] += 1
            // A layer's lowest `lower` rows are gone already; past them, rows go while the layer may lose more.
            guard seen[l] > lower[l], counts[l] < upper[l] else { continue }
            counts[l] += 1
            taken += 1
        }
        // As the reference does: each layer then drops its own lowest `count` rows.
        return importances.enumerated().map { l, layer in Ranking.ascending(layer).prefix(counts[l]).sorted() }
    }
}
