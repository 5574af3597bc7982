import Evaluation
import Foundation
import ModelIO
import Pruning
import Script

/// A GitHub-flavoured Markdown report of a run: the script's prose in order, the results table (one row
/// per cell, the best perplexity at each amount in bold), the figures, per-layer widths for global
/// pruning, and provenance. Deterministic: the same results give the same bytes apart from the
/// `Generated:` line.
struct MarkdownReport {
    let experiment: Experiment
    let source: SourceFile
    let records: [ResultRecord]
    let figures: [FigureSpec]
    let tool: String
    let date: Date

    func render() -> String {
        var out: [String] = []
        for prose in experiment.prose { out.append(prose.trimmingCharacters(in: .newlines)); out.append("") }
        if experiment.prose.isEmpty {
            out += ["# \(URL(fileURLWithPath: source.path).deletingPathExtension().lastPathComponent)", ""]
        }
        out += resultsTable()
        out += figuresSection()
        out += layerTable()
        out += provenance()
        return out.joined(separator: "\n") + "\n"
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

    /// One row per pruned model (cells that differ only in what they measure share a row), one column
    /// per evaluation: perplexity (and its ratio to the dense model's), each task's headline accuracy
    /// and, with tasks, their mean. The best value of each column at each amount is bold.
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
        // Columns of measured values: a title, how to read a cell's value, whether lower is better.
        var columns: [(title: String, value: (Cell) -> Double?, lowerIsBetter: Bool, format: String)] = []
        for e in perplexities {
            columns.append((perplexities.count > 1 ? "perplexity (\(e.summary))" : "perplexity", { value($0, e) }, true, "%.4f"))
        }
        for e in tasks {
            let name = tasks.filter({ $0.task == e.task }).count > 1 ? "\(e.task) \(headline(e)) (\(e.summary))" : "\(e.task) \(headline(e))"
            columns.append((name, { value($0, e) }, !headline(e).hasPrefix("acc"), "%.4f"))
        }
        if accuracyTasks.count > 1 { columns.append(("mean acc", meanAccuracy, false, "%.4f")) }
        var best: [String: Double] = [:]
        for cell in order where !cell.isDense {
            for c in columns {
                guard let v = c.value(cell) else { continue }
                let k = "\(c.title)|\(String(format: "%g", cell.amount))"
                best[k] = best[k].map { c.lowerIsBetter ? min($0, v) : max($0, v) } ?? v
            }
        }
        // A reconstruction column only when some cell was refit, so reports of other sweeps keep their bytes.
        let refits = order.contains { $0.reconstruction != nil }
        let settingTitles = ["model", "pipeline", "structure", "scorer"] + (refits ? ["reconstruct"] : []) + ["pruner", "calibration", "amount"]
        let ratioAfter = perplexities.isEmpty ? nil : columns[0].title
        var header = settingTitles, align = Array(repeating: "---", count: settingTitles.count - 1) + ["---:"]
        for c in columns {
            header.append(c.title)
            align.append("---:")
            if c.title == ratioAfter { header.append("× dense"); align.append("---:") }
        }
        header += ["parameters stored", "tokens/s"]
        align += ["---:", "---:"]
        var out = ["## Results", "", "| " + header.joined(separator: " | ") + " |", "|" + align.joined(separator: "|") + "|"]
        for cell in order {
            let members = rows[cell]!
            let m = members[0].metrics
            var row = [URL(fileURLWithPath: cell.model).lastPathComponent, cell.pipeline?.rawValue ?? "–",
                       cell.structure.map { $0.chain.joined(separator: " → ") } ?? "–", cell.scorer?.description ?? "dense"]
                + (refits ? [cell.isDense ? "–" : cell.reconstruction?.description ?? "none"] : [])
                + [cell.pruner?.description ?? "–", cell.calibration?.summary ?? "–", String(format: "%g%%", cell.amount * 100)]
            for c in columns {
                var text = c.value(cell).map { String(format: c.format, $0) } ?? "–"
                if !cell.isDense, let v = c.value(cell), v == best["\(c.title)|\(String(format: "%g", cell.amount))"] { text = "**\(text)**" }
                row.append(text)
                if c.title == ratioAfter, let e = perplexities.first {
                    let dense = records.first { $0.cell.isDense && $0.cell.model == cell.model && $0.cell.evaluation == e }?.metrics.ppl
                    row.append((value(cell, e).flatMap { p in dense.map { p / $0 } }).map { String(format: "%.3f", $0) } ?? "–")
                }
            }
            let speed = perplexities.first.flatMap { record(cell, $0)?.metrics.tokensPerSecond }
            row += [String(format: "%.2fM", Double(m.paramsStored) / 1e6), speed.map { String(format: "%.0f", $0) } ?? "–"]
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

    func figuresSection() -> [String] {
        guard !figures.isEmpty else { return [] }
        var out = ["## Figures", ""]
        for f in figures {
            out += ["![\(f.title ?? f.name)](\(f.name).png)", "",
                    "[\(f.name).svg](\(f.name).svg) · gnuplot script [\(f.name).gp](\(f.name).gp) · data [\(f.name).dat](\(f.name).dat)", ""]
        }
        return out
    }

    /// What global pruning chose: rows kept per layer and module, one column per cell.
    func layerTable() -> [String] {
        let global = sorted.filter { $0.cell.pruner?.name == "global" }
        guard !global.isEmpty else { return [] }
        var names = Set<String>()
        for r in global { names.formUnion(r.metrics.keptRows.keys) }
        func order(_ n: String) -> (Int, String) {
            let parts = n.split(separator: ".")
            return (parts.count > 2 ? Int(parts[2]) ?? 0 : 0, n)
        }
        let modules = names.sorted { order($0) < order($1) }
        var out = ["## Rows kept per layer (global pruning)", "",
                   "| module | " + global.map { Self.cellText("\($0.cell.scorer!.description), \($0.cell.pruner!.description), \($0.cell.pipeline!.rawValue), \(String(format: "%g%%", $0.cell.amount * 100))") }.joined(separator: " | ") + " |",
                   "|---|" + String(repeating: "---:|", count: global.count)]
        for m in modules {
            out.append("| \(m.replacingOccurrences(of: "model.layers.", with: "")) | " + global.map { $0.metrics.keptRows[m].map(String.init) ?? "–" }.joined(separator: " | ") + " |")
        }
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
