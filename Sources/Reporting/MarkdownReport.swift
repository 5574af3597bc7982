import Evaluation
import Foundation
import ModelIO
import Pruning
import Script

/// A GitHub-flavoured Markdown report of a run: the notebook read top to bottom (prose with its
/// references filled in, each figure and table where it stands), then every stored result and the
/// provenance. Deterministic: the same results give the same bytes apart from the `Generated:` line.
struct MarkdownReport {
    let experiment: Experiment
    let source: SourceFile
    let records: [ResultRecord]
    let figures: [FigureSpec]
    let tool: String
    let date: Date

    var values: ResultValues { ResultValues(records, bootstrap: experiment.bootstrap) }

    func render() -> String {
        var out: [String] = []
        let values = self.values
        let hasProse = experiment.notebook.contains { if case .prose = $0 { true } else { false } }
        if !hasProse { out += ["# \(URL(fileURLWithPath: source.path).deletingPathExtension().lastPathComponent)", ""] }
        // The notebook in script order: each prose block, figure and table where it stands.
        for item in experiment.notebook {
            switch item {
            case .prose(let segments, let sweep):
                out.append(prose(segments, sweep: sweep, values: values).trimmingCharacters(in: .newlines))
                out.append("")
            case .figure(let f, let sweep):
                out += ["![\(f.title ?? f.name)](\(f.name).png)", "", Self.figureMethod(f, experiment.sweep(sweep), bootstrap: experiment.bootstrap), "",
                        "[\(f.name).svg](\(f.name).svg) · gnuplot script [\(f.name).gp](\(f.name).gp) · data [\(f.name).dat](\(f.name).dat)", ""]
            case .table(let t, let sweep):
                out += ResultTable(t, sweep: experiment.sweep(sweep), values: values).markdown()
                out += ["[\(t.name).tex](\(t.name).tex) · [\(t.name).csv](\(t.name).csv)", ""]
            }
        }
        out += resultsTable()
        out += provenance()
        return out.joined(separator: "\n") + "\n"
    }

    /// Prose with each `{{ ... }}` replaced by its value (the mean of replicates), "–" while not computed.
    /// How a figure's points and error bars were made, for the line under it.
    static func figureMethod(_ f: FigureSpec, _ sweep: Sweep, bootstrap: Bool) -> String {
        guard !["layers", "heatmap"].contains(f.kind) else { return "Rows kept per layer, one per pruned cell." }
        if let r = sweep.replicate {
            return "Points: means over \(r.values.count) replicates (\(r.setting) \(r.values.map(String.init).joined(separator: ", "))); error bars: 95 % Student-t intervals."
        }
        if bootstrap { return "Points: single runs; error bars: 95 % percentile bootstrap intervals over each cell's evaluation windows or items (1000 resamples)." }
        return "Points: single runs (no interval)."
    }

    /// References above the settings (sweep nil) quote any result of the notebook.
    func prose(_ segments: [ProseSegment], sweep: Int?, values: ResultValues) -> String {
        let cells = sweep.map { Planner.cells(experiment.sweep($0)) } ?? Planner.cells(experiment)
        let replicate = sweep.map { experiment.sweep($0).replicate } ?? experiment.sweeps.compactMap(\.replicate).first
        return segments.map { segment in
            switch segment {
            case .text(let t): return t
            case .reference(let r):
                let groups = Selection.groups(cells, metric: r.metric, filters: r.filters, replicate: replicate, keepDense: false)
                guard groups.count == 1, let e = values.estimate(r.metric, groups[0]) else { return "–" }
                let name = r.metric.split(separator: ".").last.map(String.init) ?? r.metric
                let digits = r.digits ?? (name.hasPrefix("acc") || r.metric == "mean_acc" || r.metric == "retention" ? 3 : 2)
                return String(format: "%.\(digits)f", e.value)
            }
        }.joined()
    }

    /// Cells in a stable order: dense first, then by amount and the settings' text.
    var sorted: [ResultRecord] {
        records.sorted { a, b in
            let ka = [a.cell.isDense ? "0" : "1", String(format: "%08.4f", a.cell.amount), a.cell.label, a.key]
            let kb = [b.cell.isDense ? "0" : "1", String(format: "%08.4f", b.cell.amount), b.cell.label, b.key]
            return ka.lexicographicallyPrecedes(kb)
        }
    }

    static func cellText(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }

    /// Every stored result of the script: one row per pruned model (cells that differ only in what they
    /// measure share a row), one column per evaluation (perplexity and its ratio to the dense model's,
    /// each task's headline accuracy and, with tasks, their mean). Settings shared by every row are said
    /// once above the table; only settings that vary are columns. No value is bold here: the rows may be
    /// replicates, and "best" belongs to tables that say how they compare.
    func resultsTable() -> [String] {
        var rows: [Cell: [ResultRecord]] = [:], order: [Cell] = []
        for r in sorted {
            if rows[r.cell.pruning] == nil { order.append(r.cell.pruning) }
            rows[r.cell.pruning, default: []].append(r)
        }
        var evaluations: [EvaluationSetting] = []
        for r in sorted { if let e = r.cell.evaluation, !evaluations.contains(e) { evaluations.append(e) } }
        let perplexities = evaluations.filter(\.isPerplexity), tasks = evaluations.filter { !$0.isPerplexity }
        let accuracyTasks = tasks.filter { EvaluatorRegistry.type($0.task)?.headline?.hasPrefix("acc") == true }
        func headline(_ e: EvaluationSetting) -> String { EvaluatorRegistry.type(e.task)?.headline ?? "" }
        func record(_ cell: Cell, _ e: EvaluationSetting) -> ResultRecord? { rows[cell]?.first { $0.cell.evaluation == e } }
        func value(_ cell: Cell, _ e: EvaluationSetting) -> Double? {
            guard let r = record(cell, e) else { return nil }
            return e.isPerplexity ? r.metrics.ppl : r.metrics.evaluation?.metrics[headline(e)]
        }
        func meanAccuracy(_ cell: Cell) -> Double? { TaskScores.meanAccuracy(rows[cell] ?? []) }
        var columns: [(title: String, value: (Cell) -> Double?)] = []
        for e in perplexities {
            columns.append((perplexities.count > 1 ? "perplexity (\(e.summary))" : "perplexity", { value($0, e) }))
        }
        for e in tasks {
            let name = tasks.filter({ $0.task == e.task }).count > 1 ? "\(e.task) \(headline(e)) (\(e.summary))" : "\(e.task) \(headline(e))"
            columns.append((name, { value($0, e) }))
        }
        if accuracyTasks.count > 1 { columns.append(("mean acc", meanAccuracy)) }
        // Settings: a column only where pruned rows differ; the rest said once above the table.
        let settings: [(title: String, value: (Cell) -> String)] = [
            ("model", { URL(fileURLWithPath: $0.model).lastPathComponent }), ("pipeline", { $0.pipeline?.rawValue ?? "–" }),
            ("structure", { $0.structure.map { $0.chain.joined(separator: " → ") } ?? "–" }), ("scorer", { $0.scorer?.description ?? "dense" }),
            ("reconstruct", { $0.isDense ? "–" : $0.reconstruction?.description ?? "none" }),
            ("pruner", { $0.pruner?.description ?? "–" }), ("calibration", { $0.calibration?.summary ?? "–" }),
        ]
        let pruned = order.filter { !$0.isDense }
        let varying = settings.filter { s in Set(pruned.map(s.value)).count > 1 || (s.title == "scorer" && !pruned.isEmpty) || (s.title == "model" && Set(order.map(s.value)).count > 1) }
        let constant = settings.filter { s in !varying.contains { $0.title == s.title } && !pruned.isEmpty }
            .map { ($0.title, $0.value(pruned[0])) }.filter { $0.1 != "–" && !($0.0 == "reconstruct" && $0.1 == "none") }.map { "\($0.0) \($0.1)" }
        let ratioAfter = perplexities.isEmpty ? nil : columns[0].title
        var header = varying.map(\.title) + ["amount"], align = Array(repeating: "---", count: varying.count) + ["---:"]
        for c in columns {
            header.append(c.title)
            align.append("---:")
            if c.title == ratioAfter { header.append("× dense"); align.append("---:") }
        }
        header.append("parameters stored")
        align.append("---:")
        var out = ["## All results", ""]
        if !constant.isEmpty { out += [constant.joined(separator: " · "), ""] }
        out += ["| " + header.joined(separator: " | ") + " |", "|" + align.joined(separator: "|") + "|"]
        for cell in order {
            let m = rows[cell]![0].metrics
            var row = varying.map { $0.value(cell) } + [String(format: "%g%%", cell.amount * 100)]
            for c in columns {
                row.append(c.value(cell).map { String(format: "%.4f", $0) } ?? "–")
                if c.title == ratioAfter, let e = perplexities.first {
                    let dense = records.first { $0.cell.isDense && $0.cell.model == cell.model && $0.cell.evaluation == e }?.metrics.ppl
                    row.append((value(cell, e).flatMap { p in dense.map { p / $0 } }).map { String(format: "%.3f", $0) } ?? "–")
                }
            }
            row.append(String(format: "%.2fM", Double(m.paramsStored) / 1e6))
            out.append("| " + row.map(Self.cellText).joined(separator: " | ") + " |")
        }
        out.append("")
        for e in perplexities {
            out.append("Perplexity\(perplexities.count > 1 ? " (\(e.summary))" : ""): \(URL(fileURLWithPath: e.text).lastPathComponent), "
                       + "non-overlapping windows of \(e.seqlen) tokens" + (e.windows.map { ", the first \($0) windows" } ?? ", all windows") + ".")
        }
        for e in tasks {
            let items = records.first { $0.cell.evaluation == e }?.metrics.evaluation?.count
            out.append("\(e.task): \(URL(fileURLWithPath: e.text).lastPathComponent), \(items.map { "\($0) " } ?? "")\(e.task == "wikitext" ? "documents" : "items")"
                       + (e.limit.map { " (the first \($0))" } ?? "") + ", zero-shot as lm-evaluation-harness 0.4 scores it; \(headline(e))"
                       + (e.task == "wikitext" || e.task == "lambada_openai" ? ", context up to \(e.seqlen > 0 ? String(e.seqlen) : "the model's") tokens" : "") + ".")
        }
        if accuracyTasks.count > 1 { out.append("mean acc: the mean of the tasks' accuracies above.") }
        return out + [""]
    }

    func provenance() -> [String] {
        var out = ["## Provenance", ""]
        out.append("- script: `\(URL(fileURLWithPath: source.path).lastPathComponent)`, SHA-256 `\(ContentHash.string(source.text))`")
        var files: [String: String] = [:]
        for r in records {
            files["model `\(r.inputs.model.path)`"] = r.inputs.model.sha256
            if let c = r.inputs.calibration { files["calibration `\(c.path)`"] = c.sha256 }
            if let e = r.inputs.evaluation { files["evaluation text `\(e.path)`"] = e.sha256 }
        }
        for k in files.keys.sorted() { out.append("- \(k), SHA-256 `\(files[k]!)`") }
        out.append("- tool: \(tool), numerics `\(records.first?.inputs.numerics ?? CellInputs.numericsVersion)`")
        out.append("- machine: \(Self.machine)")
        var stages: [String: Double] = [:]
        for r in records { for (k, v) in r.metrics.stageSeconds ?? [:] { stages[k, default: 0] += v } }
        let order = ["load", "calibration", "scoring", "pruning", "evaluation", "saving"]
        let times = order.compactMap { k in stages[k].map { String(format: "%@ %.1f s", k, $0) } }
        out.append("- wall time by stage (as recorded with the results): " + (times.isEmpty ? "–" : times.joined(separator: ", ")))
        out.append("- cells: \(records.count)")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        out.append("- Generated: \(formatter.string(from: date))")
        return out
    }

    /// CPU model and core count: constant on one machine, so reports stay byte-stable there.
    static let machine: String = {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        return "\(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores"
    }()
}
