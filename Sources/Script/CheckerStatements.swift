import Evaluation
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
            guard case .number(let d, let percent, _) = v, !percent, d == d.rounded(), d >= Double(minimum) else {
                valueError(v.location, "\(name) must be a whole number of at least \(minimum), found \(describe(v))")
                return nil
            }
            guard d <= 1e9 else { valueError(v.location, "\(name) must be at most 1000000000, found \(describe(v))"); return nil }
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
        guard s.clauses.count == 1, let first = s.clauses[0].first else {
            error(s.clauses.dropFirst().first?.first?.location ?? s.keywordLocation, "`calibrate` takes a path and options, without commas",
                  help: Self.example("calibrate"))
            return
        }
        calibrationLocation = first.location
        let paths = strings(first, what: "calibration data")
        for (p, at) in paths { requireDataFile(p, at, what: "calibration file") }
        let opts = options(s.clauses[0].dropFirst(), allowed: ["samples", "seqlen", "seed"], in: "calibrate")
        let samples = opts["samples"].map { integers($0, "samples", minimum: 1) } ?? [64]
        let seqlens = opts["seqlen"].map { integers($0, "seqlen", minimum: 2) } ?? [512]
        let seeds = opts["seed"].map { integers($0, "seed", minimum: 0) } ?? [42]
        let sizes = [(paths.count, "paths"), (samples.count, "samples"), (seqlens.count, "seqlens"), (seeds.count, "seeds")]
        guard withinCellLimit(sizes, of: "`calibrate`", at: s.keywordLocation) else { return }
        for (p, _) in paths { for n in samples { for l in seqlens { for seed in seeds {
            experiment.calibrations.append(CalibrationSpec(path: p, samples: n, seqlen: l, seed: seed))
        } } } }
    }

    /// Whether the product of `sizes` (computed in Double, before any list is built) fits in one sweep.
    mutating func withinCellLimit(_ sizes: [(Int, String)], of what: String, at: SourceLocation) -> Bool {
        let total = sizes.reduce(1.0) { $0 * Double($1.0) }
        guard total > Double(Self.maxCells) else { return true }
        let factors = sizes.filter { $0.0 > 1 }.map { "\($0.0) \($0.1)" }.joined(separator: " × ")
        error(at, "\(what) gives \(Self.count(total)) settings (\(factors)); a sweep has at most \(Self.maxCells) cells",
              help: "shorten a list or split the sweep into several scripts")
        return false
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
            case .union(let parts, _):
                for p in parts {
                    switch p {
                    case .word(let w, let at): names.append((w, at))
                    // Refused, but still taken as a name, so one mistake gives one message.
                    case .string(let w, let at):
                        error(p.location, "a mix joins unit structures by name, found \(describe(p))")
                        names.append((w, at))
                    default: error(p.location, "a mix joins unit structures by name, found \(describe(p))")
                    }
                }
                guard names.count == parts.count else { continue }
                let structure = PruningStructure.mixed(names.map(\.0), layersPath: layers)
                out.append(structure)
                if structureLocations[structure] == nil { structureLocations[structure] = (layersAt, names) }
                continue
            default: error(v.location, "expected a chain of modules such as mlp.up_proj -> mlp.down_proj, found \(describe(v))"); continue
            }
            let structure = PruningStructure(layersPath: layers, chain: names.map(\.0))
            out.append(structure)
            if structureLocations[structure] == nil { structureLocations[structure] = (layersAt, names) }
        }
        experiment.structures = out
    }

    mutating func pipeline(_ s: Statement) {
        guard let e = single(s) else { return }
        experiment.pipelines = values(e).compactMap { v in
            guard case .word(let w, _) = v, let p = Pipeline(rawValue: w) else {
                let w = describe(v)
                valueError(v.location, "unknown pipeline \(w)", help: closest(w.trimmingCharacters(in: CharacterSet(charactersIn: "`")), in: Pipeline.allCases.map(\.rawValue)).map { "did you mean `\($0)`?" } ?? "pipelines are: isolated, chained")
                return nil
            }
            return p
        }
    }

    mutating func precision(_ s: Statement) {
        guard let e = single(s) else { return }
        experiment.precisions = values(e).compactMap { v in
            guard case .word(let w, _) = v, let p = Precision(rawValue: w) else {
                let w = describe(v)
                valueError(v.location, "unknown precision \(w)", help: closest(w.trimmingCharacters(in: CharacterSet(charactersIn: "`")), in: Precision.names).map { "did you mean `\($0)`?" } ?? "precisions are: \(Precision.names.joined(separator: ", "))")
                return nil
            }
            return p
        }
    }

    /// Scorers or pruners: names or calls, each built once here so bad names and parameters surface now.
    mutating func components(_ s: Statement, registry: [String], kind: String, make: (ComponentSpec) throws -> Any) -> [ComponentSpec] {
        guard let e = single(s) else { return [] }
        var out: [ComponentSpec] = []
        var known = Set<ComponentSpec>()
        for v in values(e) {
            // Each variant with where each of its parameter values was written, for carets.
            var variants: [(spec: ComponentSpec, places: [String: SourceLocation])]
            var arguments: [Expr.Argument] = []
            switch v {
            case .word(let w, _): variants = [(ComponentSpec(name: w), [:])]
            case .call(let w, let args, _):
                // A parameter given twice is an error at its second name; the first is kept.
                var names = Set<String>()
                for a in args {
                    if names.insert(a.name).inserted { arguments.append(a) } else {
                        error(a.nameLocation, "parameter `\(a.name)` is given twice in `\(w)(...)`", help: "to sweep it, give one list: \(a.name): [a, b]")
                    }
                }
                // A parameter given as a list or range sweeps: one component per combination.
                var choices: [[(ComponentSpec.Value, SourceLocation)]] = []
                for a in arguments {
                    var these: [(ComponentSpec.Value, SourceLocation)] = []
                    for value in values(a.value) {
                        switch value {
                        case .number(let d, _, let at): these.append((.number(d), at))
                        case .word("true", let at): these.append((.bool(true), at))
                        case .word("false", let at): these.append((.bool(false), at))
                        case .word(let w, let at): these.append((.word(w), at))
                        default: valueError(value.location, "parameter `\(a.name)` takes a number, true/false or a name, found \(describe(value))")
                        }
                    }
                    choices.append(these)
                }
                // A parameter with no usable value has been reported; the component is left out.
                guard !choices.contains(where: \.isEmpty) else { continue }
                let sizes = zip(arguments, choices).map { ($1.count, "values of \($0.name)") }
                guard withinCellLimit(sizes, of: "`\(w)(...)`", at: v.location) else { continue }
                variants = [(ComponentSpec(name: w), [:])]
                for (a, these) in zip(arguments, choices) {
                    variants = variants.flatMap { v in
                        these.map { c, at in
                            var x = v
                            x.spec.parameters[a.name] = c
                            x.places[a.name] = at
                            return x
                        }
                    }
                }
            default:
                valueError(v.location, "expected a \(kind) name such as \(registry[0]), found \(describe(v))")
                continue
            }
            guard let name = variants.first?.spec.name, registry.contains(name) else {
                let name = variants.first?.spec.name ?? ""
                error(SourceLocation(line: v.location.line, column: v.location.column, length: name.count), "unknown \(kind) `\(name)`",
                      help: closest(name, in: registry).map { "did you mean `\($0)`?" } ?? "\(kind)s are: \(registry.joined(separator: ", "))")
                continue
            }
            for variant in variants {
                guard checkComponent(variant.spec, arguments, variant.places, v, make: make), known.insert(variant.spec).inserted else { continue }
                out.append(variant.spec)
                if kind == "scorer" { scorerLocations[variant.spec] = v.location }
                if kind == "pruner" { prunerLocations[variant.spec] = v.location }
                if kind == "reconstruction" { reconstructionLocations[variant.spec] = v.location }
            }
        }
        return out
    }

    /// Builds one component so a bad parameter surfaces now. The caret goes where the error's subject
    /// says: an unknown parameter's name, or the value of a mistyped or out-of-range one.
    mutating func checkComponent(_ spec: ComponentSpec, _ arguments: [Expr.Argument], _ places: [String: SourceLocation], _ v: Expr,
                                 make: (ComponentSpec) throws -> Any) -> Bool {
        do {
            _ = try make(spec)
            return true
        } catch let failure as PruningError {
            var at = v.location
            switch failure.subject {
            case .parameterName(let p)?: at = arguments.first { $0.name == p }?.nameLocation ?? at
            case .parameterValue(let p)?: at = places[p] ?? at
            default: break
            }
            valueError(at, failure.description)
        } catch {
            valueError(v.location, "\(error)")
        }
        return false
    }

    /// `reconstruct least_squares(ridge: 0.1)`, `bias` or `none`, or a list of them to sweep.
    mutating func reconstruct(_ s: Statement) {
        let specs = components(s, registry: ReconstructorRegistry.names + ["none"], kind: "reconstruction") { spec -> Any in
            if spec.name == "none" && spec.parameters.isEmpty { return () }
            return try ReconstructorRegistry.make(spec)
        }
        guard !specs.isEmpty else { return }
        experiment.reconstructions = specs.map { $0.name == "none" ? nil : $0 }
    }

    mutating func amount(_ s: Statement) {
        guard let e = single(s) else { return }
        experiment.amounts = values(e).compactMap { v in
            guard case .number(let d, let percent, let at) = v else {
                valueError(v.location, "an amount is a number such as 0.3 or 30%, found \(describe(v))")
                return nil
            }
            guard d >= 0, d < 1 else {
                valueError(at, "amount must lie in [0, 1), got \(percent ? "\((d * 100).clean)%" : d.clean)",
                           help: "an amount is the share of rows removed: 0.3 or 30%")
                return nil
            }
            return d
        }
    }

    mutating func evaluate(_ s: Statement) {
        // The first `evaluate` after an output starts the section's own list; the lines after it add to it.
        if used.contains("evaluate") {
            experiment.evaluations = []
            used.remove("evaluate")
        }
        guard s.clauses.count == 1 else {
            error(s.clauses.dropFirst().first?.first?.location ?? s.keywordLocation, "`evaluate` takes a text and options, without commas",
                  help: Self.example("evaluate"))
            return
        }
        guard case .word(let what, let at)? = s.clauses[0].first else {
            error(s.keywordLocation, "`evaluate` names what to measure first", help: Self.example("evaluate"))
            return
        }
        guard let type = EvaluatorRegistry.type(what) else {
            error(at, "unknown evaluation `\(what)`", help: closest(what, in: EvaluatorRegistry.names).map { "did you mean `\($0)`?" }
                  ?? "evaluations are: \(EvaluatorRegistry.names.joined(separator: ", "))")
            return
        }
        let perplexity = what == "perplexity"
        guard s.clauses[0].count >= 2 else {
            error(at, "`evaluate \(what)` needs a \(perplexity ? "text" : "data") file", help: Self.example("evaluate"))
            return
        }
        let texts = strings(s.clauses[0][1], what: perplexity ? "an evaluation text" : "a task's data file")
        for (t, l) in texts where requireDataFile(t, l, what: perplexity ? "evaluation text" : "\(what) data") && !perplexity {
            checkFirstRecord(t, l, type)
        }
        let allowed = perplexity ? ["seqlen", "windows"] : ["limit", "max_length"]
        let opts = options(s.clauses[0].dropFirst(2), allowed: allowed, in: "evaluate \(what)")
        // Tasks take the window from the model's context (0) unless max_length says otherwise, as lm-eval does.
        let seqlens = perplexity ? opts["seqlen"].map { integers($0, "seqlen", minimum: 2) } ?? [512]
                                 : opts["max_length"].map { integers($0, "max_length", minimum: 2) } ?? [0]
        let windows: [Int?] = opts["windows"].map { integers($0, "windows", minimum: 1).map { Optional($0) } } ?? [nil]
        let limits: [Int?] = opts["limit"].map { integers($0, "limit", minimum: 1).map { Optional($0) } } ?? [nil]
        let sizes = [(texts.count, "texts"), (seqlens.count, "seqlens"), (windows.count, "window counts"), (limits.count, "limits")]
        guard withinCellLimit(sizes, of: "`evaluate`", at: s.keywordLocation) else { return }
        for (t, _) in texts { for l in seqlens { for w in windows { for n in limits {
            let setting = EvaluationSetting(task: what, text: t, seqlen: l, windows: w, limit: n)
            if !experiment.evaluations.contains(setting) { experiment.evaluations.append(setting) }
        } } } }
    }

    /// A task file's first record must be one the task can read: found now, not after pruning.
    mutating func checkFirstRecord(_ path: String, _ at: SourceLocation, _ type: any Evaluator.Type) {
        guard let handle = FileHandle(forReadingAtPath: resolve(path)) else { return }
        defer { try? handle.close() }
        // The first line is enough, and a task file may be large: read up to its first newline.
        var head = Data()
        while head.count < 16 << 20, let chunk = try? handle.read(upToCount: 1 << 16), !chunk.isEmpty {
            head.append(chunk)
            if let newline = head.firstIndex(of: UInt8(ascii: "\n")), head[..<newline].contains(where: { $0 > 32 }) {
                head = head[..<newline]
                break
            }
        }
        do {
            let records = try TaskRecords(head, file: path, limit: 1)
            try type.check(records.records[0])
        } catch {
            self.error(at, "\(error)", help: "a \(type.task) record has the fields \(type.requiredFields.joined(separator: ", "))")
        }
    }

    mutating func save(_ s: Statement) {
        guard s.clauses.count == 1, case .string(let pattern, let at)? = s.clauses[0].first else {
            error(s.keywordLocation, "`save` takes one quoted path pattern, then optionally `dtype`", help: Self.example("save"))
            return
        }
        guard !pattern.isEmpty, !pattern.hasSuffix("/") else {
            error(at, "the save pattern names no model", help: "end it with a file name (`.gguf`) or a folder name (a Hugging Face folder), e.g. \"pruned/{scorer}-{amount}.gguf\"")
            return
        }
        let opts = options(s.clauses[0].dropFirst(), allowed: ["dtype"], in: "save")
        if let e = opts["dtype"] {
            let names = ModelExport.DType.all.map(\.name)
            if case .word(let name, let dtypeAt) = e, let dtype = ModelExport.DType.named(name) {
                if (try? ModelExport.check(dtype, path: pattern)) == nil {
                    error(dtypeAt, "\(name) is a GGUF storage type; a Hugging Face folder holds f32, f16 or bf16",
                          help: "save to a `.gguf` pattern to quantize, e.g. \"pruned/{scorer}-{amount}-{dtype}.gguf\"")
                }
                experiment.saveDType = name
            } else {
                let w = describe(e)
                error(e.location, "unknown dtype \(w)",
                      help: closest(w.trimmingCharacters(in: CharacterSet(charactersIn: "`")), in: names).map { "did you mean `\($0)`?" }
                          ?? "dtypes are: \(names.joined(separator: ", ")) (one per script)")
            }
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
}
