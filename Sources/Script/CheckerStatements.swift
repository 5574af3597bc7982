import Foundation
import Llama
import ModelIO
import Pruning

/// One handler per statement.
extension Checker {
    /// Reads `key value` pairs after a statement's main value; `allowed` lists the keys.
    mutating func options(_ exprs: ArraySlice<Expr>, allowed: [String], in keyword: String) -> [String: Expr] {
        var out: [String: Expr] = [:]
        var i = exprs.startIndex
        while i < exprs.endIndex {
            guard case .word(let key, let at) = exprs[i] else {
                error(exprs[i].location, "expected an option name (\(allowed.joined(separator: ", "))), found \(describe(exprs[i]))")
                return out
            }
            guard allowed.contains(key) else {
                let guess = closest(key, in: allowed)
                error(at, "`\(keyword)` has no option `\(key)`", help: guess.map { "did you mean `\($0)`?" } ?? "its options are: \(allowed.joined(separator: ", "))")
                return out
            }
            guard i + 1 < exprs.endIndex else { error(at, "option `\(key)` needs a value"); return out }
            if out[key] != nil { error(at, "option `\(key)` is given twice") }
            out[key] = exprs[i + 1]
            i += 2
        }
        return out
    }

    /// Whole numbers (each value of a list or range) at least `minimum`.
    mutating func integers(_ e: Expr, _ name: String, minimum: Int) -> [Int] {
        values(e).compactMap { v in
            guard case .number(let d, let percent, let at) = v, !percent, d == d.rounded(), d >= Double(minimum), d < 1e9 else {
                error(v.location, "\(name) must be a whole number of at least \(minimum), found \(describe(v))")
                return nil
            }
            _ = at
            return Int(d)
        }
    }

    mutating func single(_ s: Statement) -> Expr? {
        guard s.clauses.count == 1, s.clauses[0].count == 1 else {
            error(s.keywordLocation, "`\(s.keyword)` takes one value (a list to sweep)", help: Self.example(s.keyword))
            return nil
        }
        return s.clauses[0][0]
    }

    mutating func model(_ s: Statement) {
        guard let e = single(s) else { return }
        for (path, at) in strings(e, what: "a model") {
            requireFile(path, at, what: "model file")
            experiment.models.append(path)
            modelLocations[path] = at
        }
    }

    mutating func calibrate(_ s: Statement) {
        guard s.clauses.count == 1, let first = s.clauses[0].first else { return }
        let paths = strings(first, what: "calibration data")
        for (p, at) in paths { requireFile(p, at, what: "calibration file") }
        let opts = options(s.clauses[0].dropFirst(), allowed: ["samples", "seqlen", "seed"], in: "calibrate")
        let samples = opts["samples"].map { integers($0, "samples", minimum: 1) } ?? [64]
        let seqlens = opts["seqlen"].map { integers($0, "seqlen", minimum: 2) } ?? [512]
        let seeds = opts["seed"].map { integers($0, "seed", minimum: 0) } ?? [42]
        for (p, _) in paths { for n in samples { for l in seqlens { for seed in seeds {
            experiment.calibrations.append(CalibrationSpec(path: p, samples: n, seqlen: l, seed: seed))
        } } } }
        calibrationLocation = first.location
    }

    mutating func structure(_ s: Statement) {
        guard case .word(let layers, let layersAt)? = s.head else {
            error(s.keywordLocation, "`structure` names the block list first", help: Self.example("structure"))
            return
        }
        guard let e = single(s) else { return }
        var out: [PruningStructure] = []
        for v in values(e) {
            var names: [(String, SourceLocation)] = []
            switch v {
            case .chain(let parts, _):
                for p in parts {
                    guard case .word(let w, let at) = p else { error(p.location, "a chain lists module names, found \(describe(p))"); continue }
                    names.append((w, at))
                }
            case .word(let w, let at): names.append((w, at))
            default: error(v.location, "expected a chain of modules such as mlp.up_proj -> mlp.down_proj, found \(describe(v))"); continue
            }
            out.append(PruningStructure(layersPath: layers, chain: names.map(\.0)))
            structureLocations.append((layersAt, names))
        }
        experiment.structures = out
    }

    mutating func pipeline(_ s: Statement) {
        guard let e = single(s) else { return }
        experiment.pipelines = values(e).compactMap { v in
            guard case .word(let w, let at) = v, let p = Pipeline(rawValue: w) else {
                let w = describe(v)
                error(v.location, "unknown pipeline \(w)", help: closest(w.trimmingCharacters(in: CharacterSet(charactersIn: "`")), in: Pipeline.allCases.map(\.rawValue)).map { "did you mean `\($0)`?" } ?? "pipelines are: isolated, chained")
                return nil
            }
            _ = at
            return p
        }
    }

    /// Scorers or pruners: names or calls, each built once here so bad names and parameters surface now.
    mutating func components(_ s: Statement, registry: [String], kind: String, make: (ComponentSpec) throws -> Any) -> [ComponentSpec] {
        guard let e = single(s) else { return [] }
        var out: [ComponentSpec] = []
        for v in values(e) {
            var variants: [ComponentSpec]
            var arguments: [Expr.Argument] = []
            switch v {
            case .word(let w, _): variants = [ComponentSpec(name: w)]
            case .call(let w, let args, _):
                arguments = args
                // A parameter given as a list or range sweeps: one component per combination.
                variants = [ComponentSpec(name: w)]
                for a in args {
                    var choices: [ComponentSpec.Value] = []
                    for value in values(a.value) {
                        switch value {
                        case .number(let d, _, _): choices.append(.number(d))
                        case .word("true", _): choices.append(.bool(true))
                        case .word("false", _): choices.append(.bool(false))
                        case .word(let w, _): choices.append(.word(w))
                        default: error(value.location, "parameter `\(a.name)` takes a number, true/false or a name, found \(describe(value))")
                        }
                    }
                    variants = variants.flatMap { v in choices.map { c in var x = v; x.parameters[a.name] = c; return x } }
                }
            default:
                error(v.location, "expected a \(kind) name such as \(registry[0]), found \(describe(v))")
                continue
            }
            guard let name = variants.first?.name, registry.contains(name) else {
                let name = variants.first?.name ?? ""
                error(SourceLocation(line: v.location.line, column: v.location.column, length: name.count), "unknown \(kind) `\(name)`",
                      help: closest(name, in: registry).map { "did you mean `\($0)`?" } ?? "\(kind)s are: \(registry.joined(separator: ", "))")
                continue
            }
            for variant in variants { checkComponent(variant, arguments, v, kind: kind, make: make, into: &out) }
        }
        return out
    }

    /// Builds one component so a bad parameter surfaces now, pointing at the parameter the message names.
    mutating func checkComponent(_ spec: ComponentSpec, _ arguments: [Expr.Argument], _ v: Expr, kind: String,
                                 make: (ComponentSpec) throws -> Any, into out: inout [ComponentSpec]) {
        do {
            _ = try make(spec)
            if !out.contains(spec) { out.append(spec) }
            if kind == "scorer" { scorerLocations[spec] = v.location }
        } catch {
            let message = "\(error)"
            let at = arguments.first { message.contains("parameter \($0.name)") }?.nameLocation
                ?? arguments.first { message.contains(" \($0.name) ") || message.contains(": \($0.name) ") }?.value.location
                ?? v.location
            if !diagnostics.contains(where: { $0.location == at && $0.message == message }) { self.error(at, message) }
        }
    }

    mutating func amount(_ s: Statement) {
        guard let e = single(s) else { return }
        experiment.amounts = values(e).compactMap { v in
            guard case .number(let d, let percent, let at) = v else {
                error(v.location, "an amount is a number such as 0.3 or 30%, found \(describe(v))")
                return nil
            }
            guard d >= 0, d < 1 else {
                error(at, "amount must lie in [0, 1), got \(percent ? "\((d * 100).clean)%" : d.clean)",
                      help: "an amount is the share of rows removed: 0.3 or 30%")
                return nil
            }
            return d
        }
    }

    mutating func evaluate(_ s: Statement) {
        guard s.clauses.count == 1, case .word(let what, let at) = s.clauses[0][0] else {
            error(s.keywordLocation, "`evaluate` names what to measure first", help: Self.example("evaluate"))
            return
        }
        guard what == "perplexity" else {
            error(at, "unknown evaluation `\(what)`", help: "this version measures perplexity")
            return
        }
        guard s.clauses[0].count >= 2 else { error(at, "`evaluate perplexity` needs a text file", help: Self.example("evaluate")); return }
        let texts = strings(s.clauses[0][1], what: "an evaluation text")
        for (t, l) in texts { requireFile(t, l, what: "evaluation text") }
        let opts = options(s.clauses[0].dropFirst(2), allowed: ["seqlen", "windows"], in: "evaluate")
        let seqlens = opts["seqlen"].map { integers($0, "seqlen", minimum: 2) } ?? [512]
        let windows: [Int?] = opts["windows"].map { integers($0, "windows", minimum: 1).map { Optional($0) } } ?? [nil]
        for (t, _) in texts { for l in seqlens { for w in windows { experiment.evaluations.append(EvaluationSetting(text: t, seqlen: l, windows: w)) } } }
    }

    mutating func save(_ s: Statement) {
        guard let e = single(s), case .string(let pattern, let at) = e else {
            error(s.keywordLocation, "`save` takes one quoted path pattern", help: Self.example("save"))
            return
        }
        guard !pattern.isEmpty, !pattern.hasSuffix("/") else {
            error(at, "the save pattern names no model", help: "end it with a file name (`.gguf`) or a folder name (a Hugging Face folder), e.g. \"pruned/{scorer}-{amount}.gguf\"")
            return
        }
        let known = SavePattern.placeholders
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { error(at, "unclosed `{` in the save pattern"); return }
            let name = String(rest[rest.index(after: open)..<close])
            if !known.contains(name) {
                error(at, "unknown placeholder `{\(name)}` in the save pattern", help: "placeholders are: " + known.map { "{\($0)}" }.joined(separator: ", "))
            }
            rest = rest[rest.index(after: close)...]
        }
        checkWritable(pattern, at)
        experiment.savePattern = pattern
        experiment.saveLocation = at
    }

    mutating func output(_ s: Statement) {
        guard let e = single(s), case .string(let path, let at) = e else {
            error(s.keywordLocation, "`output` takes one quoted folder", help: Self.example("output"))
            return
        }
        checkWritable(path, at)
        experiment.output = URL(fileURLWithPath: resolve(path))
    }

    /// Scripts write inside their own folder unless told otherwise.
    mutating func checkWritable(_ path: String, _ at: SourceLocation) {
        guard !options.allowOutsideWrites else { return }
        if path.hasPrefix("/") || path.split(separator: "/").contains("..") {
            error(at, "`\(path)` is outside the script's folder", help: "use a relative path without `..`, or run with --allow-outside-writes")
        }
    }

    mutating func report(_ s: Statement) {
        guard let e = single(s), case .string(let path, let at) = e else {
            error(s.keywordLocation, "`report` takes one quoted file name", help: Self.example("report"))
            return
        }
        guard path.hasSuffix(".md") else { error(at, "a report is a Markdown file ending in .md"); return }
        checkWritable(path, at)
        experiment.reports.append(path)
    }

    mutating func figure(_ s: Statement) {
        guard case .word(let name, _)? = s.head else {
            error(s.keywordLocation, "a figure needs a name: `figure ppl_vs_sparsity: x amount, y perplexity`")
            return
        }
        var f = FigureSpec(name: name)
        for clause in s.clauses {
            guard case .word(let key, let at) = clause[0] else { error(clause[0].location, "expected a figure setting (x, y, series, log, title, kind, where, pdf)"); continue }
            if key == "where" {
                guard clause.count == 3, case .word(let setting, let settingAt) = clause[1], FigureSpec.settings.contains(setting) else {
                    error(at, "write a filter as `where SETTING VALUE`, e.g. where pipeline chained", help: "settings are: \(FigureSpec.settings.joined(separator: ", "))")
                    continue
                }
                _ = settingAt
                switch clause[2] {
                case .word(let w, _): f.filters[setting] = w
                case .string(let w, _): f.filters[setting] = w
                case .number(let d, _, _): f.filters[setting] = String(format: "%g", d)
                case .call(let n, let args, _):
                    var spec = ComponentSpec(name: n)
                    for a in args {
                        switch a.value {
                        case .number(let d, _, _): spec.parameters[a.name] = .number(d)
                        case .word("true", _): spec.parameters[a.name] = .bool(true)
                        case .word("false", _): spec.parameters[a.name] = .bool(false)
                        case .word(let w, _): spec.parameters[a.name] = .word(w)
                        default: error(a.value.location, "a filter's parameter is a number, true/false or a name")
                        }
                    }
                    f.filters[setting] = spec.description
                default: error(clause[2].location, "a filter value is a name, a number or a quoted string")
                }
                continue
            }
            guard clause.count == 2 else { error(at, "`\(key)` takes one value in a figure"); continue }
            let v = clause[1]
            func word(_ allowed: [String]) -> String? {
                guard case .word(let w, let l) = v, allowed.contains(w) else {
                    let found = describe(v)
                    error(v.location, "unknown \(key) \(found) in figure `\(name)`",
                          help: closest(found.trimmingCharacters(in: CharacterSet(charactersIn: "`")), in: allowed).map { "did you mean `\($0)`?" } ?? "choose one of: \(allowed.joined(separator: ", "))")
                    return nil
                }
                _ = l
                return w
            }
            switch key {
            case "x": f.x = word(FigureSpec.xs) ?? f.x
            case "y": f.y = word(FigureSpec.ys) ?? f.y
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
            case "title":
                if case .string(let t, _) = v { f.title = t } else { error(v.location, "a figure title is a quoted string") }
            default:
                error(at, "unknown figure setting `\(key)`", help: closest(key, in: ["x", "y", "series", "log", "title", "kind", "where", "pdf"]).map { "did you mean `\($0)`?" } ?? "settings are: x, y, series, log, title, kind, where, pdf")
            }
        }
        experiment.figures.append(f)
    }
}
