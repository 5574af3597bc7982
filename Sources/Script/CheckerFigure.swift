import Foundation
import Pruning

/// The `figure` statement, and the `where` filters figures and tables share.
extension Checker {
    mutating func figure(_ s: Statement) {
        guard case .word(let name, let nameAt)? = s.head else {
            error(s.keywordLocation, "a figure needs a name: `figure ppl_vs_sparsity: x amount, y perplexity`")
            return
        }
        guard !s.clauses.isEmpty else {
            error(nameAt, "figure `\(name)` has no settings", help: "say what to draw, e.g. " + Self.example("figure"))
            return
        }
        if let first = figureLines[name] {
            error(nameAt, "figure `\(name)` is given twice (first on line \(first))", help: "each figure is written to its own files, named after it")
            return
        }
        figureLines[name] = nameAt.line
        let sweep = output("figure `\(name)`", at: nameAt)
        var f = FigureSpec(name: name)
        var settingsGiven = Set<String>()
        let known = ["x", "y", "series", "log", "title", "kind", "where", "pdf", "size", "font", "key", "dpi", "latex"]
        var latexAt: SourceLocation? = nil
        for clause in s.clauses {
            guard case .word(let key, let at) = clause[0] else { error(clause[0].location, "expected a figure setting (\(known.joined(separator: ", ")))"); continue }
            if key == "where" {
                filter(clause, at: at, into: &f.filters, of: "figure `\(name)`", sweep: sweep)
                continue
            }
            guard settingsGiven.insert(key).inserted || !known.contains(key) else {
                error(at, "`\(key)` is given twice in figure `\(name)`")
                continue
            }
            // Settings of several words read their whole clause.
            if key == "size" || key == "key" {
                do {
                    if key == "key" { f.key = try FigureSettings.key(clause) } else { (f.width, f.height) = try FigureSettings.size(clause) }
                } catch let p as FigureSettingProblem { error(p.at, p.message, help: p.help) } catch {}
                continue
            }
            guard clause.count == 2 else { error(at, "`\(key)` takes one value in a figure"); continue }
            let v = clause[1]
            func word(_ allowed: [String]) -> String? {
                guard case .word(let w, _) = v, allowed.contains(w) else {
                    let found = describe(v)
                    error(v.location, "unknown \(key) \(found) in figure `\(name)`",
                          help: closest(found.trimmingCharacters(in: CharacterSet(charactersIn: "`")), in: allowed).map { "did you mean `\($0)`?" } ?? "choose one of: \(allowed.joined(separator: ", "))")
                    return nil
                }
                return w
            }
            switch key {
            case "x": f.x = word(FigureSpec.xs) ?? f.x
            case "y" where FigureSpec.speeds.contains({ if case .word(let w, _) = v { w } else { "" } }()):
                error(v.location, "figures do not show speed from single timed evaluations",
                      help: "`prune bench` measures speed (repeated runs, median); `y params_stored` shows what shrinking saves")
            case "y":
                // Any metric of any task (`hellaswag.acc_norm`); whether the script evaluates it is checked at the end.
                f.y = word(FigureSpec.ys + FigureSpec.aggregates + FigureSpec.taskMetrics) ?? f.y
                if FigureSpec.taskMetrics.contains(f.y) || FigureSpec.aggregates.contains(f.y) { taskFigureLocations.append((f.y, v.location, sweep)) }
            case "series": f.series = word(FigureSpec.settings)
            case "log":
                switch word(["x", "y", "xy"]) {
                case "x": f.logX = true
                case "y": f.logY = true
                case "xy": f.logX = true; f.logY = true
                default: break
                }
            case "kind": f.kind = word(FigureSpec.kinds) ?? f.kind
            case "pdf": f.pdf = word(["true", "false"]) == "true"
            case "latex":
                f.latex = word(["true", "false"]) == "true"
                latexAt = v.location
            case "font", "dpi":
                do {
                    if key == "font" { f.font = try FigureSettings.font(v) } else { f.dpi = try FigureSettings.dpi(v) }
                } catch let p as FigureSettingProblem { error(p.at, p.message, help: p.help) } catch {}
            case "title":
                if case .string(let t, _) = v { f.title = t } else { error(v.location, "a figure title is a quoted string") }
            default:
                error(at, "unknown figure setting `\(key)`", help: closest(key, in: known).map { "did you mean `\($0)`?" } ?? "settings are: \(known.joined(separator: ", "))")
            }
        }
        // cairolatex draws the figure's lines to NAME.pdf beside NAME.tex: a pdfcairo NAME.pdf would overwrite it.
        if f.latex && f.pdf, let latexAt {
            error(latexAt, "figure `\(name)` asks for `pdf true` and `latex true`, and both write \(name).pdf",
                  help: "`latex true` already writes \(name).pdf (the drawing) and \(name).tex (its text); drop `pdf true`")
        }
        experiment.notebook.append(.figure(f, sweep: sweep))
    }

    /// A `where` value spelled as the report spells that setting of a cell, so the two can be compared.
    mutating func filterValue(_ setting: String, _ e: Expr) -> String? {
        var text: String
        switch e {
        case .word(let w, _): text = w
        case .string(let w, _): text = w
        case .number(let d, _, _):
            // gamma and theta are a scorer's parameters, spelled "gamma 0.5"; amounts as %g.
            if setting == "gamma" || setting == "theta" { return "\(setting) \(ComponentSpec.Value.number(d))" }
            text = String(format: "%g", d)
        case .chain(let parts, _):
            var names: [String] = []
            for p in parts {
                guard case .word(let w, _) = p else { error(p.location, "a chain lists module names, found \(describe(p))"); return nil }
                names.append(w)
            }
            text = names.joined(separator: " -> ")
        case .union(let parts, _):
            var names: [String] = []
            for p in parts {
                guard case .word(let w, _) = p else { error(p.location, "a mix joins unit structures by name, found \(describe(p))"); return nil }
                names.append(w)
            }
            text = names.joined(separator: PruningStructure.mixSeparator)
        case .call(let n, let args, _):
            var spec = ComponentSpec(name: n)
            for a in args {
                guard spec.parameters[a.name] == nil else { error(a.nameLocation, "parameter `\(a.name)` is given twice in `\(n)(...)`"); return nil }
                switch a.value {
                case .number(let d, _, _): spec.parameters[a.name] = .number(d)
                case .word("true", _): spec.parameters[a.name] = .bool(true)
                case .word("false", _): spec.parameters[a.name] = .bool(false)
                case .word(let w, _): spec.parameters[a.name] = .word(w)
                default: error(a.value.location, "a filter's parameter is a number, true/false or a name"); return nil
                }
            }
            text = spec.description
        default:
            error(e.location, "a filter value is a name, a number or a quoted string")
            return nil
        }
        if setting == "gamma" || setting == "theta" { text = "\(setting) \(text)" }
        return text
    }

    /// `where SETTING VALUE` in `owner` (a figure or a table): the filter goes into `filters` and its
    /// place is kept for the check against the whole sweep.
    mutating func filter(_ clause: [Expr], at: SourceLocation, into filters: inout [String: String], of owner: String, sweep: Int) {
        guard clause.count == 3, case .word(let setting, let settingAt) = clause[1], CellSettings.names.contains(setting) else {
            error(at, "write a filter as `where SETTING VALUE`, e.g. where pipeline chained", help: "settings are: \(CellSettings.names.joined(separator: ", "))")
            return
        }
        guard filters[setting] == nil else { error(settingAt, "`where \(setting)` is given twice in \(owner)"); return }
        guard let value = filterValue(setting, clause[2]) else { return }
        filters[setting] = value
        filterLocations.append((owner, setting, value, clause[2].location, sweep))
    }
}
