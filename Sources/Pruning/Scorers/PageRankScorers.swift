import Tensor

/// wpr(gamma: 0, theta: 0.5), LLM-Rank's weighted PageRank step for one layer:
/// B = 1[|W| ≠ 0] and C = |W|, each column divided by its sum (0/0 → 0); M = θ·C + (1−θ)·B;
/// score = γ·(M · prev) + (1−γ)·out / Σout.
/// With γ = 0 the score is the normalised output norm, ranking exactly like `activation`: the
/// reference's default, kept for parity.
public struct WeightedPageRankScorer: Scorer {
    public static let name = "wpr"
    public static let needsStatistics = true
    public let gamma: Double
    public let theta: Double

    public init(_ parameters: inout ParameterReader) throws {
        gamma = try parameters.number("gamma", default: 0, in: 0...1)
        theta = try parameters.number("theta", default: 0.5, in: 0...1)
    }

    public func score(_ x: ScoringInput) -> [Double] {
        let w = x.weight
        return Self.step(rows: w.rows, columns: w.columns, previous: x.previous, teleport: x.outputNorms, gamma: gamma, theta: theta) {
            Double(abs(w[$0, $1]))
        }
    }

    /// One step of the weighted PageRank over a layer of a graph: `weight(r, c) ≥ 0` is the edge from
    /// node c of the layer before (importance `previous[c]`) to node r of this one, and `teleport` the
    /// damping term's raw values (normalised here; all zero gives none). Shared with `head_rank`.
    static func step(rows: Int, columns: Int, previous: [Double], teleport: [Double], gamma: Double, theta: Double,
                     weight: (Int, Int) -> Double) -> [Double] {
        // Column sums of the weights and of their non-zero pattern.
        var weightSum = [Double](repeating: 0, count: columns), degree = weightSum
        for r in 0..<rows {
            for c in 0..<columns {
                let e = weight(r, c)
                if e != 0 {
                    weightSum[c] += e
                    degree[c] += 1
                }
            }
        }
        // M · prev = Σ_c W_rc · θ·prev_c / ΣW_c + Σ_c 1[W_rc ≠ 0] · (1−θ)·prev_c / deg_c.
        let byWeight = (0..<columns).map { weightSum[$0] > 0 ? theta * previous[$0] / weightSum[$0] : 0 }
        let byDegree = (0..<columns).map { degree[$0] > 0 ? (1 - theta) * previous[$0] / degree[$0] : 0 }
        let total = teleport.reduce(0, +)
        return (0..<rows).map { r in
            var s = 0.0
            for c in 0..<columns {
                let e = weight(r, c)
                if e != 0 { s += e * byWeight[c] + byDegree[c] }
            }
            let damping = total > 0 ? (1 - gamma) * teleport[r] / total : 0
            return gamma * s + damping
        }
    }
}

/// mpr(z_importance: false, amount: 0.3), LLM-Rank's modified PageRank: score = (|W| · prev) ⊙ out.
/// With z_importance, the int(amount · len(prev)) least important inputs are first set to 0, as if
/// the previous layer had already been pruned.
public struct ModifiedPageRankScorer: Scorer {
    public static let name = "mpr"
    public static let needsStatistics = true
    public let zImportance: Bool
    public let amount: Double

    public init(_ parameters: inout ParameterReader) throws {
        zImportance = try parameters.bool("z_importance", default: false)
        amount = try parameters.number("amount", default: 0.3, in: 0...1)
    }

    public func score(_ x: ScoringInput) -> [Double] {
        var previous = x.previous
        if zImportance {
            // Python's int() truncates toward zero.
            let n = Int((amount * Double(previous.count)).rounded(.towardZero))
            for i in Ranking.ascending(previous).prefix(n) { previous[i] = 0 }
        }
        let flow = absTimes(x.weight, previous)
        return zip(flow, x.outputNorms).map { $0 * $1 }
    }
}
