import Foundation
import Pruning
import Script

/// The numbers one figure plots: series of (x, y) points, and the dense baseline's y when it has one.
struct FigureData: Equatable {
    struct Series: Equatable {
        /// Where a point's true value plausibly lies (replicates' 95 % interval), drawn as an error bar.
        struct Interval: Equatable {
            var low: Double
            var high: Double
        }

        var name: String
        var points: [(x: Double, y: Double)]
        /// One per point, nil where a point has none; empty when the series has none at all.
        var intervals: [Interval?] = []

        var hasIntervals: Bool { intervals.contains { $0 != nil } }

        func interval(_ i: Int) -> Interval? { i < intervals.count ? intervals[i] : nil }

        static func == (a: Series, b: Series) -> Bool {
            a.name == b.name && a.points.count == b.points.count && zip(a.points, b.points).allSatisfy { $0.x == $1.x && $0.y == $1.y }
                && a.points.indices.allSatisfy { a.interval($0) == b.interval($0) }
        }
    }

    var series: [Series]
    var baseline: Double?
    var xLabel: String
    var yLabel: String

    /// The value of a setting for a cell, as series names and filters spell it.
    static func setting(_ name: String, _ c: Cell) -> String { CellSettings.value(name, c) }

    static func label(_ axis: String) -> String {
        switch axis {
        case "amount": "share of FFN rows pruned"
        case "samples": "calibration samples"
        case "seqlen": "calibration sequence length (tokens)"
        case "seed": "calibration seed"
        case "perplexity": "perplexity"
        case "ppl_ratio": "perplexity / dense perplexity"
        case "params_stored": "parameters stored (millions)"
        case "params_nonzero": "non-zero parameters (millions)"
        case "forward_seconds": "evaluation time (s)"
        case "speedup": "speed-up over dense"
        case "kept_rows": "rows kept"
        case "mean_acc": "mean accuracy over tasks"
        case "retention": "accuracy retention (pruned / dense, mean over tasks)"
        case "layer": "layer"
        default: axis
        }
    }

    static func make(_ f: FigureSpec, records: [ResultRecord]) -> FigureData {
        let chosen = records.filter { r in f.filters.allSatisfy { setting($0.key, r.cell) == $0.value || r.cell.isDense } }
        // The dense cell of each model and evaluation anchors ratios, speed-ups and the baseline line.
        func dense(_ c: Cell) -> ResultRecord? {
            chosen.first { $0.cell.isDense && $0.cell.model == c.model && $0.cell.evaluation == c.evaluation }
        }
        func y(_ r: ResultRecord) -> Double? {
            let m = r.metrics
            switch f.y {
            case "perplexity": return m.ppl
            case "ppl_ratio": return m.ppl.flatMap { p in dense(r.cell)?.metrics.ppl.map { p / $0 } }
            case "params_stored": return Double(m.paramsStored) / 1e6
            case "params_nonzero": return Double(m.paramsNonzero) / 1e6
            case "forward_seconds": return m.evaluationSeconds
            case "speedup": return m.tokensPerSecond.flatMap { t in dense(r.cell)?.metrics.tokensPerSecond.map { t / $0 } }
            default:
                // TASK.METRIC: the metric of cells that evaluate that task.
                let parts = f.y.split(separator: ".", maxSplits: 1).map(String.init)
                guard parts.count == 2, r.cell.evaluation?.task == parts[0] else { return nil }
                return m.evaluation?.metrics[parts[1]]
            }
        }
        // The points: one per cell, or, for a value over tasks, one per pruned model (its cells' tasks together).
        let valued: [(record: ResultRecord, y: Double)]
        if FigureSpec.aggregates.contains(f.y) {
            var groups: [Cell: [ResultRecord]] = [:], order: [Cell] = []
            for r in chosen {
                if groups[r.cell.pruning] == nil { order.append(r.cell.pruning) }
                groups[r.cell.pruning, default: []].append(r)
            }
            valued = order.compactMap { key in
                let members = groups[key]!
                let value = f.y == "retention" ? TaskScores.retention(members, dense: dense) : TaskScores.meanAccuracy(members)
                return value.map { (members[0], $0) }
            }
        } else {
            valued = chosen.compactMap { r in y(r).map { (r, $0) } }
        }
        func x(_ r: ResultRecord) -> Double? { xValue(f.x, r) }
        var order: [String] = []
        var points: [String: [(Double, Double)]] = [:]
        for (r, yv) in valued where !r.cell.isDense {
            guard let xv = x(r) else { continue }
            let name = f.series.map { setting($0, r.cell) } ?? (f.name)
            if points[name] == nil { order.append(name) }
            points[name, default: []].append((xv, yv))
        }
        // Every series starts from the dense model where x places it: amount 0, or its own size (its
        // calibration, if a dense cell had one, would place nothing: the dense model does not use it).
        var baseline: Double? = nil
        if let d = valued.first(where: { $0.record.cell.isDense }) {
            baseline = d.y
            if ["amount", "params_stored", "params_nonzero"].contains(f.x), let dx = x(d.record) {
                for name in order { points[name]!.append((dx, d.y)) }
            }
        }
        let series = order.map { name in
            Series(name: name, points: points[name]!.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.map { (x: $0.0, y: $0.1) })
        }
        return FigureData(series: series, baseline: baseline, xLabel: label(f.x), yLabel: label(f.y))
    }

    /// Rows kept per layer for one module kind (`up_proj` by default), one series per pruned cell.
    static func layers(_ f: FigureSpec, records: [ResultRecord], module: String = "mlp.up_proj") -> FigureData {
        var series: [Series] = []
        for r in records where !r.cell.isDense && f.filters.allSatisfy({ setting($0.key, r.cell) == $0.value }) {
            var pts: [(x: Double, y: Double)] = []
            for (name, kept) in r.metrics.keptRows where name.hasSuffix("." + module) {
                let parts = name.split(separator: ".")
                if parts.count > 2, let layer = Int(parts[2]) { pts.append((Double(layer), Double(kept))) }
            }
            let name = f.series.map { setting($0, r.cell) } ?? r.cell.label
            series.append(Series(name: "\(name) @ \(String(format: "%g", r.cell.amount))", points: pts.sorted { $0.x < $1.x }))
        }
        return FigureData(series: series, baseline: nil, xLabel: label("layer"), yLabel: "\(module) rows kept")
    }
}
