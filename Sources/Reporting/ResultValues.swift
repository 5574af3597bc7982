import Evaluation
import Foundation
import Pruning
import Script

/// The value an output shows for one selected group of cells: a stored metric, the mean over replicates
/// with its 95 % t-interval, or, for a single cell under `ci bootstrap`, a bootstrap interval over the
/// cell's own windows or items.
struct ResultValues {
    let byCell: [Cell: ResultRecord]
    let records: [ResultRecord]
    let bootstrap: Bool

    init(_ records: [ResultRecord], bootstrap: Bool) {
        self.records = records
        self.bootstrap = bootstrap
        var byCell: [Cell: ResultRecord] = [:]
        for r in records { byCell[r.cell] = r }
        self.byCell = byCell
    }

    /// The dense cell of the same model and evaluation: what ratios and retention divide by.
    func dense(_ c: Cell) -> ResultRecord? {
        records.first { $0.cell.isDense && $0.cell.model == c.model && $0.cell.evaluation == c.evaluation }
    }

    /// The metric of one pruned model in one replicate: `records` are its cell, or, for a value over the
    /// model's tasks or of its size, its cells over every evaluation.
    func value(_ metric: String, _ records: [ResultRecord]) -> Double? {
        guard let r = records.first else { return nil }
        let m = r.metrics
        switch metric {
        case "perplexity": return m.ppl
        case "ppl_ratio": return m.ppl.flatMap { p in dense(r.cell)?.metrics.ppl.map { p / $0 } }
        case "params_stored": return Double(m.paramsStored) / 1e6
        case "params_nonzero": return Double(m.paramsNonzero) / 1e6
        case "kept_rows": return Double(m.keptRows.values.reduce(0, +))
        case "forward_seconds": return m.evaluationSeconds
        case "speedup": return m.tokensPerSecond.flatMap { t in dense(r.cell)?.metrics.tokensPerSecond.map { t / $0 } }
        case "mean_acc": return TaskScores.meanAccuracy(records)
        case "retention": return TaskScores.retention(records, dense: dense)
        default:
            let parts = metric.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return nil }
            return records.first { $0.cell.evaluation?.task == parts[0] }?.metrics.evaluation?.metrics[parts[1]]
        }
    }

    /// The estimate for a group, or nil when none of its cells has a stored result.
    func estimate(_ metric: String, _ group: Selection.Group) -> Estimate? {
        // Replicates: the group's cells by pruned model (per-model values) or by cell.
        var replicates: [Cell: [ResultRecord]] = [:], order: [Cell] = []
        for c in group.members {
            guard let r = byCell[c] else { continue }
            let key = Selection.perModel(metric) ? c.pruning : c
            if replicates[key] == nil { order.append(key) }
            replicates[key, default: []].append(r)
        }
        let values = order.compactMap { value(metric, replicates[$0]!) }
        guard !values.isEmpty else { return nil }
        var e = Intervals.replicates(values)
        if values.count == 1, bootstrap, let r = replicates[order[0]]?.first, let (lo, hi) = bootstrapInterval(metric, r) {
            e.low = lo
            e.high = hi
        }
        return e
    }

    /// A 95 % percentile bootstrap interval over the cell's windows (perplexity) or items (tasks), for the
    /// metrics that are a function of them; nil for others.
    func bootstrapInterval(_ metric: String, _ r: ResultRecord) -> (Double, Double)? {
        guard let items = r.metrics.evaluation?.items else { return nil }
        func sum(_ xs: [Double], _ ix: [Int]) -> Double { ix.reduce(0) { $0 + xs[$1] } }
        switch metric {
        case "perplexity", "ppl_ratio":
            guard let nll = items["nll"], let tokens = items["tokens"], nll.count == tokens.count else { return nil }
            let scale = metric == "ppl_ratio" ? dense(r.cell)?.metrics.ppl : 1
            guard let scale else { return nil }
            return Intervals.bootstrap(count: nll.count) { ix in exp(sum(nll, ix) / sum(tokens, ix)) / scale }
        default:
            let parts = metric.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, r.cell.evaluation?.task == parts[0] else { return nil }
            switch parts[1] {
            case "acc", "acc_norm":
                guard let xs = items[parts[1]] else { return nil }
                return Intervals.bootstrap(count: xs.count) { ix in sum(xs, ix) / Double(ix.count) }
            case "perplexity":
                guard let ll = items["loglikelihood"] else { return nil }
                return Intervals.bootstrap(count: ll.count) { ix in exp(-sum(ll, ix) / Double(ix.count)) }
            case "word_perplexity", "byte_perplexity", "bits_per_byte":
                guard let ll = items["loglikelihood"], let words = items["words"], let bytes = items["bytes"] else { return nil }
                return Intervals.bootstrap(count: ll.count) { ix in
                    switch parts[1] {
                    case "word_perplexity": exp(-sum(ll, ix) / sum(words, ix))
                    case "byte_perplexity": exp(-sum(ll, ix) / sum(bytes, ix))
                    default: -sum(ll, ix) / sum(bytes, ix) / log(2)
                    }
                }
            default: return nil
            }
        }
    }

    /// How the intervals of an output were made, for the line under it.
    static func method(_ estimates: [Estimate], replicate: Replicate?, bootstrap: Bool, metric: String) -> String {
        let most = estimates.map(\.replicates).max() ?? 1
        if most > 1, let replicate {
            return "Mean over \(most) replicates (\(replicate.setting) \(replicate.values.map(String.init).joined(separator: ", "))) ± half-width of the 95 % Student-t interval."
        }
        if bootstrap && estimates.contains(where: { $0.low != nil }) {
            let over = metric == "perplexity" || metric == "ppl_ratio" ? "evaluation windows" : "items"
            return "Single runs; ± half-width of the 95 % percentile bootstrap interval over the \(over) (\(Intervals.resamples) resamples, SplitMix64 seed \(Intervals.bootstrapSeed))."
        }
        return "Single runs; no interval (add `replicate seed [...]` or `ci bootstrap`)."
    }
}
