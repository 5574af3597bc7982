/// budget: `amount` is the share of the decoder blocks' parameters to remove, whatever number of units
/// that takes. Units are ranked as `global(balance: width)` ranks them (importance × units in its list,
/// so lists of different sizes compete on equal terms) and the lowest go, each costing the parameters
/// of its coupled slices (`PruningUnit.parameters`: a neuron 3·hidden, a key/value head group its q, k,
/// v rows and o columns, a block everything in it), until the removed parameters reach amount × total.
/// Never a list's last unit (every block keeps a neuron and a head group; one block always stays).
/// On a mix (`mlp.neurons + attention.heads`), `MixedUnits.select` ranks units by score per parameter
/// instead; `per_block: true` then spends the same share of every block's parameters there.
public struct BudgetPruner: Pruner {
    public static let name = "budget"
    public static let countsParameters = true
    /// Each block loses the same share of its parameters (mixes only).
    public let perBlock: Bool

    public init(_ parameters: inout ParameterReader) throws {
        perBlock = try parameters.bool("per_block", default: false)
    }

    /// Without costs, every unit costs the same: the share of units.
    public func rowsToPrune(_ importances: [[Double]], amount: Double) -> [[Int]] {
        let costs = importances.map { [Int](repeating: 1, count: $0.count) }
        return unitsToPrune(importances, costs: costs, of: costs.reduce(0) { $0 + $1.count }, amount: amount)
    }

    public func unitsToPrune(_ importances: [[Double]], costs: [[Int]], of total: Int, amount: Double) -> [[Int]] {
        var flat: [(value: Double, list: Int, index: Int)] = []
        for (l, list) in importances.enumerated() {
            for (i, v) in list.enumerated() { flat.append((v * Double(list.count), l, i)) }
        }
        let order = flat.indices.sorted { flat[$0].value != flat[$1].value ? flat[$0].value < flat[$1].value : $0 < $1 }
        let target = amount.isFinite && amount > 0 ? amount * Double(total) : 0
        var removed = importances.map { _ in [Int]() }
        var spent = 0
        for k in order where Double(spent) < target {
            let (l, i) = (flat[k].list, flat[k].index)
            guard removed[l].count < importances[l].count - 1 else { continue }
            removed[l].append(i)
            spent += costs[l][i]
        }
        return removed.map { $0.sorted() }
    }
}
