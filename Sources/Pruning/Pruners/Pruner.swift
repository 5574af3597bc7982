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
}

extension Pruner {
    public static var countsParameters: Bool { false }
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
public struct LocalPruner: Pruner {
    public static let name = "local"

    public init(_ parameters: inout ParameterReader) throws {}

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
public struct GlobalPruner: Pruner {
    public static let name = "global"
    public let balanceByWidth: Bool

    public init(_ parameters: inout ParameterReader) throws {
        balanceByWidth = try parameters.word("balance", default: "none", allowed: ["none", "width"]) == "width"
    }

    public func rowsToPrune(_ importances: [[Double]], amount: Double) -> [[Int]] {
        var flat: [(value: Double, layer: Int)] = []
        for (l, layer) in importances.enumerated() {
            let scale = balanceByWidth ? Double(layer.count) : 1
            for v in layer { flat.append((v * scale, l)) }
        }
        let k = rowCount(amount, of: flat.count, .up)
        let order = flat.indices.sorted { flat[$0].value != flat[$1].value ? flat[$0].value < flat[$1].value : $0 < $1 }
        var counts = [Int](repeating: 0, count: importances.count)
        var taken = 0
        for i in order where taken < k {
            let l = flat[i].layer
            guard counts[l] < importances[l].count - 1 else { continue }
            counts[l] += 1
            taken += 1
        }
        // As the reference does: each layer then drops its own lowest `count` rows.
        return importances.enumerated().map { l, layer in Ranking.ascending(layer).prefix(counts[l]).sorted() }
    }
}
