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

    /// One point per selected group (a cell, or the mean of its replicates with their 95 % interval;
    /// under `ci bootstrap`, a single cell's bootstrap interval), selected as tables and references select.
    static func make(_ f: FigureSpec, records: [ResultRecord], replicate: Replicate? = nil, bootstrap: Bool = false) -> FigureData {
        let values = ResultValues(records, bootstrap: bootstrap)
        let groups = Selection.groups(records.map(\.cell), metric: f.y, filters: f.filters, replicate: replicate, keepDense: true)
        var order: [String] = []
        var points: [String: [(x: Double, y: Double, interval: Series.Interval?)]] = [:]
        var baseline: (record: ResultRecord, y: Double)? = nil
        for g in groups {
            guard let e = values.estimate(f.y, g), let first = g.members.lazy.compactMap({ values.byCell[$0] }).first else { continue }
            if g.unit.isDense {
                if baseline == nil { baseline = (first, e.value) }
                continue
            }
            guard let xv = xValue(f.x, first) else { continue }
            let name = f.series.map { setting($0, g.unit) } ?? f.name
            if points[name] == nil { order.append(name) }
            let interval = e.low.flatMap { l in e.high.map { Series.Interval(low: l, high: $0) } }
            points[name, default: []].append((xv, e.value, interval))
        }
        // Every series starts from the dense model where x places it: amount 0, or its own size (its
        // calibration, if a dense cell had one, would place nothing: the dense model does not use it).
        if let d = baseline, ["amount", "params_stored", "params_nonzero"].contains(f.x), let dx = xValue(f.x, d.record) {
            for name in order { points[name]!.append((dx, d.y, nil)) }
        }
        let series = order.map { name -> Series in
            let sorted = points[name]!.sorted { $0.x != $1.x ? $0.x < $1.x : $0.y < $1.y }
            let intervals = sorted.contains { $0.interval != nil } ? sorted.map(\.interval) : []
            return Series(name: name, points: sorted.map { (x: $0.x, y: $0.y) }, intervals: intervals)
        }
        let shown = groups.flatMap(\.members).filter { !$0.isDense }
        return FigureData(series: series, baseline: baseline?.y, xLabel: axisLabel(f.x, shown), yLabel: axisLabel(f.y, shown))
    }

    /// An amount means what the cells' pruner makes of it: a share of block parameters under `budget`,
    /// a share of FFN rows under `local` and `global`.
    static func axisLabel(_ axis: String, _ cells: [Cell]) -> String {
        guard axis == "amount", !cells.isEmpty else { return label(axis) }
        let budgets = cells.filter { $0.pruner?.name == "budget" }.count
        if budgets == cells.count { return "share of block parameters removed" }
        return budgets == 0 ? label(axis) : "amount pruned (rows, or block parameters under budget)"
    }

    /// Rows kept per layer for one module kind (`up_proj` by default), one series per pruned cell.
    static func layers(_ f: FigureSpec, records: [ResultRecord], module: String = "mlp.up_proj") -> FigureData {
        var series: [Series] = []
        let shown = records.filter { r in !r.cell.isDense && f.filters.allSatisfy({ setting($0.key, r.cell) == $0.value }) }
        // Without a series setting, each cell is named by the settings that differ between the cells shown.
        let varying = ["scorer", "pruner", "pipeline", "structure", "calibration", "samples", "seqlen", "seed", "amount", "model"]
            .filter { name in Set(shown.map { setting(name, $0.cell) }.filter { $0 != "none" }).count > 1 }   // a scorer without calibration does not make it vary
        for r in shown {
            var pts: [(x: Double, y: Double)] = []
            for (name, kept) in r.metrics.keptRows where name.hasSuffix("." + module) {
                let parts = name.split(separator: ".")
                if parts.count > 2, let layer = Int(parts[2]) { pts.append((Double(layer), Double(kept))) }
            }
            let name = f.series.map { setting($0, r.cell) } ?? (varying.isEmpty ? r.cell.label : varying.map { setting($0, r.cell) }.joined(separator: ", "))
            series.append(Series(name: varying.contains("amount") || f.series == nil && !varying.isEmpty ? name : "\(name) @ \(String(format: "%g", r.cell.amount))",
                                 points: pts.sorted { $0.x < $1.x }))
        }
        return FigureData(series: series, baseline: nil, xLabel: label("layer"), yLabel: "\(module) rows kept")
    }
}
