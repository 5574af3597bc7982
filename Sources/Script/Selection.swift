import Evaluation
import Foundation
import Pruning

/// Which results an output shows: the cells of its sweep that its filters keep and whose evaluation
/// measures its metric, grouped into the units one value stands for (one pruned model and evaluation;
/// for a value over a model's tasks or of its size, the pruned model; replicates together). The checker
/// and the reports both select through here, so what the checker proves is what the report prints.
public enum Selection {
    /// Values of a pruned model as a whole rather than of one evaluation.
    public static func perModel(_ metric: String) -> Bool {
        ["params_stored", "params_nonzero", "kept_rows", "mean_acc", "retention"].contains(metric)
    }

    /// Whether `cell`'s evaluation measures `metric`.
    public static func measures(_ metric: String, _ cell: Cell) -> Bool {
        switch metric {
        case "perplexity", "ppl_ratio", "forward_seconds", "speedup": return cell.evaluation?.isPerplexity == true
        case "params_stored", "params_nonzero", "kept_rows": return true
        case "mean_acc", "retention":
            return cell.evaluation.flatMap { EvaluatorRegistry.type($0.task)?.headline }?.hasPrefix("acc") == true
        default:
            let parts = metric.split(separator: ".", maxSplits: 1).map(String.init)
            return parts.count == 2 && cell.evaluation?.task == parts[0]
        }
    }

    /// The unit `cell` counts towards for `metric`.
    public static func unit(_ metric: String, _ cell: Cell, replicate: Replicate?) -> Cell {
        let u = perModel(metric) ? cell.pruning : cell
        return replicate?.group(u) ?? u
    }

    public struct Group: Sendable {
        public let unit: Cell
        /// The cells whose results make the value: replicates, and for per-model values every evaluation.
        public var members: [Cell]
    }

    /// The groups of `cells` an output with these filters shows, in the cells' order. The dense model is
    /// kept whatever the filters when `keepDense` (figures and tables draw it as the baseline).
    public static func groups(_ cells: [Cell], metric: String, filters: [String: String], replicate: Replicate?,
                              keepDense: Bool) -> [Group] {
        var out: [Group] = []
        var index: [Cell: Int] = [:]
        for c in cells where measures(metric, c) {
            guard (keepDense && c.isDense) || filters.allSatisfy({ CellSettings.value($0.key, c) == $0.value }) else { continue }
            let u = unit(metric, c, replicate: replicate)
            if let i = index[u] { out[i].members.append(c) } else {
                index[u] = out.count
                out.append(Group(unit: u, members: [c]))
            }
        }
        return out
    }

    /// The settings in which `cells` differ, with their values: "scorer (wpr(gamma: 0.5), wanda), amount (0.3, 0.5)".
    public static func differences(_ cells: [Cell]) -> String {
        var parts: [String] = []
        for name in CellSettings.names where name != "gamma" && name != "theta" {
            var values: [String] = []
            for c in cells { let v = CellSettings.value(name, c); if !values.contains(v) { values.append(v) } }
            guard values.count > 1 else { continue }
            parts.append("\(name) (\(values.prefix(4).joined(separator: ", "))\(values.count > 4 ? ", ..." : ""))")
        }
        return parts.isEmpty ? "nothing a setting shows" : parts.joined(separator: ", ")
    }
}
