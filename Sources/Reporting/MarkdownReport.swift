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

    func resultsTable() -> [String] {
        // Every setting that tells cells apart has a column; the evaluation, when all share one, is said below.
        let evaluations = Set(records.compactMap(\.cell.evaluation))
        var out = ["## Results", "", "| model | pipeline | structure | scorer | pruner | calibration | amount |"
                   + (evaluations.count > 1 ? " evaluation |" : "") + " perplexity | × dense | parameters stored | tokens/s |",
                   "|---|---|---|---|---|---|---:|" + (evaluations.count > 1 ? "---|" : "") + "---:|---:|---:|---:|"]
        // The lowest perplexity among the pruned cells of each amount is bold.
        var best: [String: Double] = [:]
        for r in records where !r.cell.isDense {
            guard let p = r.metrics.ppl else { continue }
            let k = String(format: "%g", r.cell.amount)
            best[k] = min(best[k] ?? .infinity, p)
        }
        for r in sorted {
            let c = r.cell, m = r.metrics
            let dense = records.first { $0.cell.isDense && $0.cell.model == c.model && $0.cell.evaluation == c.evaluation }?.metrics.ppl
            var ppl = m.ppl.map { String(format: "%.4f", $0) } ?? "–"
            if !c.isDense, let p = m.ppl, p == best[String(format: "%g", c.amount)] { ppl = "**\(ppl)**" }
            let ratio = (m.ppl.flatMap { p in dense.map { p / $0 } }).map { String(format: "%.3f", $0) } ?? "–"
            var row = [URL(fileURLWithPath: c.model).lastPathComponent, c.pipeline?.rawValue ?? "–",
                       c.structure.map { $0.chain.joined(separator: " → ") } ?? "–", c.scorer?.description ?? "dense",
                       c.pruner?.description ?? "–", c.calibration?.summary ?? "–", String(format: "%g%%", c.amount * 100)]
            if evaluations.count > 1 { row.append(c.evaluation?.summary ?? "–") }
            row += [ppl, ratio, String(format: "%.2fM", Double(m.paramsStored) / 1e6), m.tokensPerSecond.map { String(format: "%.0f", $0) } ?? "–"]
            out.append("| " + row.map(Self.cellText).joined(separator: " | ") + " |")
        }
        if evaluations.count == 1, let e = evaluations.first {
            out += ["", "Perplexity: \(URL(fileURLWithPath: e.text).lastPathComponent), non-overlapping windows of \(e.seqlen) tokens" +
                    (e.windows.map { ", the first \($0) windows" } ?? ", all windows") + "."]
        }
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
