import Evaluation
import Foundation
import ModelIO
import Pruning
import Script

/// A `table` statement's numbers: one entry per (row, column) of the sweep in force at its line, each a
/// value or a mean of replicates with its interval; written as Markdown into the report, and beside it
/// as NAME.tex (booktabs) and NAME.csv.
struct ResultTable {
    let spec: TableSpec
    var rows: [String] = []
    var columns: [String] = []
    var entries: [[String]: Estimate] = [:]
    /// Settings shared by every shown cell, in words, for the line above the table.
    var constant: String = ""
    /// How the values and their intervals were made, for the line under it.
    var method: String = ""

    init(_ spec: TableSpec, sweep: Sweep, values: ResultValues) {
        self.spec = spec
        let groups = Selection.groups(Planner.cells(sweep).filter { spec.showsDense || !$0.isDense }, metric: spec.value, filters: spec.filters,
                                      replicate: sweep.replicate, keepDense: spec.showsDense)
        var rowSet: [String] = [], columnSet: [String] = []
        for g in groups {
            let key = [CellSettings.value(spec.rows, g.unit), CellSettings.value(spec.columns, g.unit)]
            if !rowSet.contains(key[0]) { rowSet.append(key[0]) }
            if !columnSet.contains(key[1]) { columnSet.append(key[1]) }
            if let e = values.estimate(spec.value, g) { entries[key] = e }
        }
        rows = Self.ordered(rowSet)
        columns = Self.ordered(columnSet)
        constant = Self.constantSettings(groups.flatMap(\.members).filter { !$0.isDense }, except: [spec.rows, spec.columns], metric: spec.value)
        method = ResultValues.method(Array(entries.values), replicate: sweep.replicate, bootstrap: values.bootstrap, metric: spec.value)
    }

    /// Numbers in numeric order, the dense model first, names as they came.
    static func ordered(_ values: [String]) -> [String] {
        let dense = values.filter { $0 == "dense" }, others = values.filter { $0 != "dense" }
        if others.allSatisfy({ Double($0) != nil }) { return dense + others.sorted { Double($0)! < Double($1)! } }
        return dense + others
    }

    /// How a setting's value is shown: amounts as percentages.
    func shown(_ setting: String, _ value: String) -> String {
        if setting == "amount", let v = Double(value) { return String(format: "%g%%", v * 100) }
        return value
    }

    static func lowerIsBetter(_ metric: String) -> Bool {
        let name = metric.split(separator: ".").last.map(String.init) ?? metric
        return !(name.hasPrefix("acc") || metric == "mean_acc" || metric == "retention" || metric == "speedup")
    }

    var digits: Int {
        if let d = spec.digits { return d }
        let name = spec.value.split(separator: ".").last.map(String.init) ?? spec.value
        return name.hasPrefix("acc") || spec.value == "mean_acc" || spec.value == "retention" ? 3 : 2
    }

    /// The best entry of each column, among pruned models (bold in the outputs).
    var best: [String: Double] {
        var out: [String: Double] = [:]
        for c in columns {
            let values = rows.filter { $0 != "dense" }.compactMap { entries[[$0, c]]?.value }
            out[c] = Self.lowerIsBetter(spec.value) ? values.min() : values.max()
        }
        return out
    }

    /// "Values: perplexity (lower is better)."
    var valueLine: String {
        "Values: \(FigureData.label(spec.value)) (\(Self.lowerIsBetter(spec.value) ? "lower" : "higher") is better; best pruned model per column in bold)."
    }

    func number(_ v: Double) -> String { String(format: "%.\(digits)f", v) }

    /// The settings with one value over `cells`, other than the table's own: "model SmolLM2.gguf · pipeline chained".
    static func constantSettings(_ cells: [Cell], except: [String], metric: String) -> String {
        guard !cells.isEmpty else { return "" }
        var parts: [String] = []
        let names = ["model", "structure", "pipeline", "scorer", "pruner", "amount", "calibration", "samples", "seqlen", "seed"]
        for name in names where !except.contains(name) {
            let values = Set(cells.map { CellSettings.value(name, $0) })
            guard values.count == 1, let v = values.first, v != "none" else { continue }
            parts.append(name == "amount" ? String(format: "amount %g%%", (Double(v) ?? 0) * 100) : "\(name) \(v)")
        }
        let evaluations = Set(cells.compactMap(\.evaluation))
        if evaluations.count == 1, let e = evaluations.first {
            parts.append(e.isPerplexity
                ? "perplexity on \(URL(fileURLWithPath: e.text).lastPathComponent), \(e.windows.map { "the first \($0) windows" } ?? "all windows") of \(e.seqlen) tokens"
                : "\(e.task) on \(URL(fileURLWithPath: e.text).lastPathComponent)\(e.limit.map { ", the first \($0) items" } ?? "")")
        }
        return parts.joined(separator: " · ")
    }

    func markdown() -> [String] {
        let best = self.best
        var out: [String] = []
        if let t = spec.title { out += ["**\(t)**", ""] }
        if !constant.isEmpty { out += ["\(constant)", ""] }
        out.append("| \(spec.rows) \\ \(spec.columns) | " + columns.map { MarkdownReport.cellText(shown(spec.columns, $0)) }.joined(separator: " | ") + " |")
        out.append("|---|" + String(repeating: "---:|", count: columns.count))
        for r in rows {
            let cells = columns.map { c -> String in
                guard let e = entries[[r, c]] else { return "–" }
                var text = number(e.value) + (e.halfWidth.map { " ± " + number($0) } ?? "")
                if r != "dense", e.value == best[c], rows.count > 2 { text = "**\(text)**" }
                return text
            }
            out.append("| \(MarkdownReport.cellText(shown(spec.rows, r))) | " + cells.joined(separator: " | ") + " |")
        }
        out += ["", "\(valueLine) \(method)", ""]
        return out
    }

    static func latexEscaped(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\\": out += "\\textbackslash{}"
            case "_", "%", "&", "#", "$", "{", "}": out += "\\\(ch)"
            case "~": out += "\\textasciitilde{}"
            case "^": out += "\\textasciicircum{}"
            case "→": out += "$\\rightarrow$"
            case "γ": out += "$\\gamma$"
            case "θ": out += "$\\theta$"
            default: out.append(ch)
            }
        }
        return out
    }

    /// A booktabs `tabular` to `\input` inside the paper's own table environment (needs \usepackage{booktabs}).
    func latex() -> String {
        let best = self.best
        var out = ["% \(spec.name): \(valueLine) \(method)",
                   "% Needs \\usepackage{booktabs}. Written by prune; rerun `prune report` to regenerate.",
                   "\\begin{tabular}{l" + String(repeating: "r", count: columns.count) + "}", "\\toprule",
                   ([Self.latexEscaped("\(spec.rows) \\ \(spec.columns)")] + columns.map { Self.latexEscaped(shown(spec.columns, $0)) }).joined(separator: " & ") + " \\\\",
                   "\\midrule"]
        for r in rows {
            let cells = columns.map { c -> String in
                guard let e = entries[[r, c]] else { return "--" }
                let body = number(e.value) + (e.halfWidth.map { " \\pm " + number($0) } ?? "")
                let bold = r != "dense" && e.value == best[c] && rows.count > 2
                return bold ? "$\\mathbf{\(body)}$" : "$\(body)$"
            }
            out.append(([Self.latexEscaped(shown(spec.rows, r))] + cells).joined(separator: " & ") + " \\\\")
            if r == "dense" && rows.count > 1 { out.append("\\midrule") }
        }
        out += ["\\bottomrule", "\\end{tabular}"]
        return out.joined(separator: "\n") + "\n"
    }

    /// One line per entry: the row and column settings, the value, its interval and how many replicates.
    func csv() -> String {
        func field(_ s: String) -> String { s.contains(where: { ",\"\n".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        var out = ["\(field(spec.rows)),\(field(spec.columns)),\(field(spec.value)),low,high,replicates"]
        for r in rows { for c in columns {
            guard let e = entries[[r, c]] else { continue }
            func g(_ v: Double?) -> String { v.map { String(format: "%.10g", $0) } ?? "" }
            out.append("\(field(r)),\(field(c)),\(g(e.value)),\(g(e.low)),\(g(e.high)),\(e.replicates)")
        } }
        return out.joined(separator: "\n") + "\n"
    }

    func write(to folder: URL) throws {
        try AtomicWrite.write(Data(latex().utf8), to: folder.appendingPathComponent("\(spec.name).tex").path)
        try AtomicWrite.write(Data(csv().utf8), to: folder.appendingPathComponent("\(spec.name).csv").path)
    }
}
