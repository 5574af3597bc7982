import Evaluation
import Foundation
import Pruning

/// The notebook's own statements: tables, replicates, lists swept together, intervals, and references
/// to results inside prose.
extension Checker {
    /// The metrics a table or reference may show: a figure's y values.
    static var metrics: [String] { FigureSpec.ys + FigureSpec.aggregates + FigureSpec.taskMetrics }

    /// A name used by one figure or table only: both write files named after it.
    mutating func claimOutputName(_ name: String, _ at: SourceLocation, kind: String) -> Bool {
        if let first = figureLines[name] {
            error(at, "\(kind) `\(name)` is given twice (first on line \(first))", help: "each figure and table is written to its own files, named after it")
            return false
        }
        figureLines[name] = at.line
        return true
    }

    mutating func table(_ s: Statement) {
        guard case .word(let name, let nameAt)? = s.head else {
            error(s.keywordLocation, "a table needs a name: `\(Self.example("table"))`")
            return
        }
        guard !s.clauses.isEmpty else {
            error(nameAt, "table `\(name)` has no settings", help: "say what to show, e.g. " + Self.example("table"))
            return
        }
        guard claimOutputName(name, nameAt, kind: "table") else { return }
        let sweep = output("table `\(name)`", at: nameAt)
        var t = TableSpec(name: name)
        var given = Set<String>()
        for clause in s.clauses {
            guard case .word(let key, let at) = clause[0] else {
                error(clause[0].location, "expected a table setting (\(TableSpec.settings.joined(separator: ", ")))")
                continue
            }
            if key == "where" {
                filter(clause, at: at, into: &t.filters, of: "table `\(name)`", sweep: sweep)
                continue
            }
            guard TableSpec.settings.contains(key) else {
                error(at, "unknown table setting `\(key)`", help: closest(key, in: TableSpec.settings).map { "did you mean `\($0)`?" } ?? "settings are: \(TableSpec.settings.joined(separator: ", "))")
                continue
            }
            guard given.insert(key).inserted else { error(at, "`\(key)` is given twice in table `\(name)`"); continue }
            guard clause.count == 2 else { error(at, "`\(key)` takes one value in a table"); continue }
            let v = clause[1]
            switch key {
            case "rows", "columns":
                guard case .word(let w, _) = v, CellSettings.names.contains(w) else {
                    error(v.location, "unknown \(key) \(describe(v)) in table `\(name)`", help: "rows and columns are settings: \(CellSettings.names.joined(separator: ", "))")
                    continue
                }
                if key == "rows" { t.rows = w } else { t.columns = w }
            case "value":
                guard case .word(let w, _) = v, Self.metrics.contains(w) else {
                    let found = describe(v).trimmingCharacters(in: CharacterSet(charactersIn: "`"))
                    error(v.location, "unknown value \(describe(v)) in table `\(name)`",
                          help: closest(found, in: Self.metrics).map { "did you mean `\($0)`?" } ?? "values are metrics such as perplexity, ppl_ratio, hellaswag.acc_norm, mean_acc")
                    continue
                }
                t.value = w
                if FigureSpec.taskMetrics.contains(w) || FigureSpec.aggregates.contains(w) { taskFigureLocations.append((w, v.location, sweep)) }
            case "digits":
                t.digits = digits(v)
            default:
                if case .string(let text, _) = v { t.title = text } else { error(v.location, "a table title is a quoted string") }
            }
        }
        if t.rows == t.columns { error(nameAt, "table `\(name)` has `\(t.rows)` as both rows and columns", help: "choose two different settings") }
        tableChecks.append((t, nameAt, sweep))
        experiment.notebook.append(.table(t, sweep: sweep))
    }

    /// `digits N`: decimals shown, 0 to 12.
    mutating func digits(_ v: Expr) -> Int? {
        guard case .number(let d, false, _) = v, d == d.rounded(), d >= 0, d <= 12 else {
            error(v.location, "digits is a whole number from 0 to 12, found \(describe(v))")
            return nil
        }
        return Int(d)
    }

    mutating func replicate(_ s: Statement) {
        guard s.clauses.count == 1, case .word(let setting, let at)? = s.clauses[0].first, s.clauses[0].count <= 2 else {
            error(s.keywordLocation, "`replicate` names a setting and its values", help: Self.example("replicate"))
            return
        }
        if setting == "none", s.clauses[0].count == 1 { experiment.replicate = nil; return }
        guard Replicate.settings.contains(setting) else {
            error(at, "`\(setting)` cannot be replicated", help: "replicates differ only in a random draw: replicate seed [1, 2, 3]")
            return
        }
        var values: [Int] = []
        if s.clauses[0].count == 2 {
            for v in integers(s.clauses[0][1], "seed", minimum: 0) where !values.contains(v) { values.append(v) }
        } else {
            for c in experiment.calibrations where !values.contains(c.seed) { values.append(c.seed) }
        }
        guard values.count >= 2 else {
            error(s.clauses[0].count == 2 ? s.clauses[0][1].location : at, "replicates need at least two different \(setting)s, found \(values.count)",
                  help: Self.example("replicate"))
            return
        }
        experiment.replicate = Replicate(setting: setting, values: values)
    }

    mutating func together(_ s: Statement) {
        let allowed = ["structure", "pipeline", "scorer", "pruner"]
        var names: [String] = []
        for clause in s.clauses {
            guard clause.count == 1, case .word(let w, let at) = clause[0] else {
                error(clause[0].location, "`together` lists settings separated by commas", help: Self.example("together"))
                return
            }
            if w == "none", s.clauses.count == 1 { experiment.together = []; return }
            guard allowed.contains(w) else {
                error(at, "`\(w)` cannot be swept together", help: "settings swept together are: \(allowed.joined(separator: ", "))")
                return
            }
            guard !names.contains(w) else { error(at, "`\(w)` is named twice in `together`"); return }
            names.append(w)
        }
        guard names.count >= 2 else {
            error(s.keywordLocation, "`together` needs at least two settings", help: Self.example("together"))
            return
        }
        experiment.together = names
        togetherLocation = s.keywordLocation
    }

    mutating func ci(_ s: Statement) {
        guard let e = single(s), case .word(let w, let at) = e else { error(s.keywordLocation, "`ci` takes one method", help: Self.example("ci")); return }
        switch w {
        case "bootstrap": experiment.bootstrap = true
        case "none": experiment.bootstrap = false
        default: error(at, "unknown interval method `\(w)`", help: "methods are: bootstrap, none")
        }
    }

    // MARK: prose and its references

    /// A prose block: its text split at `{{ ... }}` references, each parsed and checked where it stands.
    mutating func prose(_ text: String, _ at: SourceLocation) {
        let lines = script.source.lines
        // Body lines begin on the `"""` line itself when text follows the quotes there.
        let opening = at.line - 1 < lines.count ? lines[at.line - 1] : ""
        let first = opening.trimmingCharacters(in: .whitespaces).dropFirst(3).trimmingCharacters(in: .whitespaces).isEmpty ? at.line + 1 : at.line
        var segments: [ProseSegment] = []
        var sweep: Int? = nil
        let bodyLines = text.components(separatedBy: "\n")
        for (k, body) in bodyLines.enumerated() {
            let raw = first + k - 1 < lines.count ? Array(lines[first + k - 1]) : Array(body)
            var rest = Substring(body)
            // Where this body line's references stand in the raw line: searched in the same order.
            var searchFrom = 0
            while let open = rest.range(of: "{{") {
                segments.append(.text(String(rest[..<open.lowerBound])))
                let column = Self.find("{{", in: raw, from: searchFrom) ?? 0
                guard let close = rest[open.upperBound...].range(of: "}}") else {
                    error(SourceLocation(line: first + k, column: column + 1, length: 2), "unclosed `{{` in prose", help: "a reference is {{ metric where setting value }} on one line")
                    rest = rest[open.upperBound...]
                    break
                }
                let end = Self.find("}}", in: raw, from: column + 2) ?? raw.count
                searchFrom = end + 2
                let place = SourceLocation(line: first + k, column: column + 1, length: end + 2 - column)
                // Above the first settings (an abstract) a reference may quote any result of the notebook.
                let abstract = experiment.sweep.models.isEmpty || experiment.sweep.amounts.isEmpty
                if sweep == nil && !abstract { sweep = output("reference", at: place) }
                if let reference = reference(raw, from: column + 2, to: end, line: first + k, place: place, sweep: sweep ?? -1) {
                    segments.append(.reference(reference))
                } else {
                    segments.append(.text(String(rest[open.lowerBound..<close.upperBound])))
                }
                rest = rest[close.upperBound...]
            }
            segments.append(.text(String(rest) + (k < bodyLines.count - 1 ? "\n" : "")))
        }
        // Adjacent text pieces joined, so a block without references is one piece.
        var merged: [ProseSegment] = []
        for s in segments {
            if case .text(let b) = s, case .text(let a)? = merged.last { merged[merged.count - 1] = .text(a + b) } else { merged.append(s) }
        }
        experiment.notebook.append(.prose(merged, sweep: sweep))
    }

    static func find(_ pair: String, in chars: [Character], from: Int) -> Int? {
        let p = Array(pair)
        var i = max(0, from)
        while i + 1 < chars.count {
            if chars[i] == p[0] && chars[i + 1] == p[1] { return i }
            i += 1
        }
        return nil
    }

    /// `metric [where] setting value, setting value ... [digits N]`, parsed with the script's own lexer and
    /// parser on the reference's columns, so positions are the line's own.
    mutating func reference(_ raw: [Character], from: Int, to: Int, line: Int, place: SourceLocation, sweep: Int) -> ResultReference? {
        var chars = [Character](repeating: " ", count: raw.count)
        for i in from..<min(to, raw.count) { chars[i] = raw[i] }
        let lexer = Lexer(line: chars, number: line)
        if let d = lexer.diagnostics.first { error(d.location, d.message, help: d.help); return nil }
        guard lexer.tokens.count > 1 else { error(place, "an empty reference", help: "write {{ perplexity where scorer wanda, amount 30% }}"); return nil }
        let clauses: [[Expr]]
        switch Parser.clauses(lexer.tokens, keyword: "{{", at: place) {
        case .success(let c): clauses = c
        case .failure(let d): error(d.location, d.message, help: d.help); return nil
        }
        let items = clauses.flatMap { $0 }
        guard case .word(let metric, let metricAt)? = items.first, Self.metrics.contains(metric) else {
            let found = items.first.map(describe) ?? "nothing"
            error(items.first?.location ?? place, "a reference starts with a metric, found \(found)",
                  help: closest(found.trimmingCharacters(in: CharacterSet(charactersIn: "`")), in: Self.metrics).map { "did you mean `\($0)`?" } ?? "metrics are those of figures: perplexity, ppl_ratio, hellaswag.acc_norm, mean_acc, ...")
            return nil
        }
        var r = ResultReference(metric: metric, filters: [:], digits: nil, location: place)
        if FigureSpec.taskMetrics.contains(metric) || FigureSpec.aggregates.contains(metric) { taskFigureLocations.append((metric, metricAt, sweep)) }
        var places: [SourceLocation] = []
        var i = 1
        while i < items.count {
            guard case .word(let key, let keyAt) = items[i] else { error(items[i].location, "expected a setting name, found \(describe(items[i]))"); return nil }
            if key == "where" { i += 1; continue }
            guard i + 1 < items.count else { error(keyAt, "`\(key)` needs a value"); return nil }
            let value = items[i + 1]
            i += 2
            if key == "digits" { r.digits = digits(value); continue }
            guard CellSettings.names.contains(key) else {
                error(keyAt, "unknown setting `\(key)` in a reference", help: closest(key, in: CellSettings.names).map { "did you mean `\($0)`?" } ?? "settings are: \(CellSettings.names.joined(separator: ", "))")
                return nil
            }
            guard r.filters[key] == nil else { error(keyAt, "`\(key)` is given twice in a reference"); return nil }
            guard let v = filterValue(key, value) else { return nil }
            r.filters[key] = v
            filterLocations.append(("the reference", key, v, value.location, sweep))
            places.append(value.location)
        }
        referenceChecks.append((r, sweep, places))
        return r
    }

    // MARK: checks against the planned cells

    /// The cells a reference may quote: its sweep's, or (index −1, above the settings) the notebook's.
    func referencedCells(_ index: Int) -> ([Cell], Replicate?) {
        index >= 0 ? (Planner.cells(experiment.sweeps[index]), experiment.sweeps[index].replicate)
                   : (Planner.cells(experiment), experiment.sweeps.compactMap(\.replicate).first)
    }

    /// Each reference selects exactly one result (one cell, or one group of replicates).
    mutating func checkReferences() {
        for (r, index, places) in referenceChecks where !places.contains(where: failedFilters.contains) {
            let (cells, replicate) = referencedCells(index)
            let groups = Selection.groups(cells, metric: r.metric, filters: r.filters, replicate: replicate, keepDense: false)
            if groups.isEmpty {
                error(r.location, "this reference selects no result: no cell above it measures \(r.metric) with these settings")
            } else if groups.count > 1 {
                error(r.location, "this reference selects \(groups.count) results; they differ in \(Selection.differences(groups.map(\.unit)))",
                      help: "add `where` settings until one result is left")
            }
        }
    }

    /// Each table entry (row, column) holds one result: cells that differ in a setting the table does not
    /// show would be put in one place.
    mutating func checkTables() {
        for (t, at, index) in tableChecks {
            let sweep = experiment.sweeps[index]
            let groups = Selection.groups(Planner.cells(sweep).filter { t.showsDense || !$0.isDense }, metric: t.value, filters: t.filters, replicate: sweep.replicate, keepDense: t.showsDense)
            guard t.rows != t.columns else { continue }
            guard !groups.isEmpty else {
                // A task the script does not evaluate is reported at the value already.
                if !(FigureSpec.taskMetrics.contains(t.value) || FigureSpec.aggregates.contains(t.value)) {
                    error(at, "table `\(t.name)` shows no result: no cell above it measures \(t.value)")
                }
                continue
            }
            var owner: [[String]: Cell] = [:]
            for g in groups {
                let key = [CellSettings.value(t.rows, g.unit), CellSettings.value(t.columns, g.unit)]
                if let other = owner[key], other != g.unit {
                    let differ = Selection.differences([other, g.unit])
                    error(at, "table `\(t.name)` would put two results at row \(key[0]), column \(key[1]); they differ in \(differ)",
                          help: "add a `where` for that setting, or make it the table's rows or columns")
                    break
                }
                owner[key] = g.unit
            }
        }
    }
}
