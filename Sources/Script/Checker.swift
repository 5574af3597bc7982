import Foundation
import Llama
import ModelIO
import Pruning

/// Gives a parsed script its meaning: known statements, value types and ranges, component names and
/// parameters, files that must exist, structure paths against the model file's header. Reports every
/// error, each at its place, before anything is computed.
public struct Checker {
    public struct Options: Sendable {
        public var allowOutsideWrites = false
        public init(allowOutsideWrites: Bool = false) { self.allowOutsideWrites = allowOutsideWrites }
    }

    static let keywords = ["model", "calibrate", "structure", "pipeline", "scorer", "pruner", "reconstruct", "amount", "evaluate", "precision",
                           "replicate", "together", "ci", "save", "output", "figure", "table", "report"]
    /// Settings of the sweep, which a notebook may restate further down once an output has shown them.
    static let sweepSettings: Set<String> = ["model", "calibrate", "structure", "pipeline", "scorer", "pruner", "reconstruct", "amount", "precision",
                                             "replicate", "together"]

    let script: Script
    let options: Options
    var diagnostics: [Diagnostic] = []
    var experiment: Experiment
    var seen: [String: SourceLocation] = [:]
    // Where values were written, for diagnostics found after all statements are read.
    var modelLocations: [String: SourceLocation] = [:]
    var calibrationLocation: SourceLocation?
    var structureLocations: [PruningStructure: (layers: SourceLocation, modules: [(String, SourceLocation)])] = [:]
    var scorerLocations: [ComponentSpec: SourceLocation] = [:]
    var prunerLocations: [ComponentSpec: SourceLocation] = [:]
    var reconstructionLocations: [ComponentSpec: SourceLocation] = [:]
    /// Each figure's `where` filters, checked against the sweep once every statement is read.
    /// Figures whose y is a task's metric or an aggregate over tasks, with where the y was written.
    var taskFigureLocations: [(y: String, at: SourceLocation, sweep: Int)] = []
    var filterLocations: [(output: String, setting: String, value: String, at: SourceLocation, sweep: Int)] = []
    var figureLines: [String: Int] = [:]
    /// Sweep settings whose value in force some output (figure, table, reference) has shown.
    var used: Set<String> = []
    /// Each output with where it stands and the sweep it shows, for checks once the sweeps are known.
    var outputs: [(what: String, at: SourceLocation, sweep: Int)] = []
    /// Tables and references, checked against their sweep's cells at the end.
    var tableChecks: [(spec: TableSpec, at: SourceLocation, sweep: Int)] = []
    var referenceChecks: [(reference: ResultReference, sweep: Int, places: [SourceLocation])] = []
    /// Filter values that keep no cell, already reported.
    var failedFilters: Set<SourceLocation> = []
    var togetherLocation: SourceLocation?
    /// Every diagnostic given, so the same one is not repeated (once per model, once per range value).
    var given: Set<Diagnostic> = []
    /// Places that already have a value error: a range's values share its place, so a bad range reports once.
    var valueErrorPlaces: Set<SourceLocation> = []

    /// The most cells one script may ask for: planning, storing and reporting stay linear in this.
    public static let maxCells = 100_000
    /// The most values one range may give.
    public static let maxRangeValues = 10_000

    /// The checked experiment, or every diagnostic found.
    public static func check(_ source: SourceFile, options: Options = Options()) throws -> (Experiment, Script) {
        let (script, syntax) = Parser.parse(source)
        var checker = Checker(script: script, options: options)
        checker.diagnostics = syntax
        checker.run()
        guard checker.diagnostics.isEmpty else { throw Diagnostics(source: source, items: checker.diagnostics) }
        return (checker.experiment, script)
    }

    init(script: Script, options: Options) {
        self.script = script
        self.options = options
        let name = URL(fileURLWithPath: script.source.path).deletingPathExtension().lastPathComponent
        experiment = Experiment(output: script.source.folder.appendingPathComponent("out").appendingPathComponent(name))
    }

    mutating func error(_ at: SourceLocation, _ message: String, help: String? = nil) {
        let d = Diagnostic(at, message, help: help)
        if given.insert(d).inserted { diagnostics.append(d) }
    }

    /// An error about one value, given only for the first bad value at its place.
    mutating func valueError(_ at: SourceLocation, _ message: String, help: String? = nil) {
        if valueErrorPlaces.insert(at).inserted { error(at, message, help: help) }
    }

    mutating func run() {
        for keyword in script.attempted { seen[keyword] = seen[keyword] ?? SourceLocation(line: 1, column: 1) }
        for item in script.items {
            switch item {
            case .prose(let text, let at): prose(text, at)
            case .statement(let s): statement(s)
            }
        }
        // The sweep in force at the end is planned too: its cells fill the results table.
        _ = snapshot()
        wholeScript()
        if diagnostics.isEmpty { checkSaveTargets() }
    }

    mutating func statement(_ s: Statement) {
        guard Self.keywords.contains(s.keyword) else {
            let guess = closest(s.keyword, in: Self.keywords)
            error(s.keywordLocation, "unknown statement `\(s.keyword)`", help: guess.map { "did you mean `\($0)`?" } ?? "statements are: \(Self.keywords.joined(separator: ", "))")
            return
        }
        // Figures, tables, reports and evaluations accumulate: each `evaluate` line adds what is measured.
        // A sweep setting may be restated once an output has shown its value; other statements come once.
        if !["figure", "table", "report", "evaluate"].contains(s.keyword) {
            if let first = seen[s.keyword] {
                if !Self.sweepSettings.contains(s.keyword) {
                    error(s.keywordLocation, "`\(s.keyword)` is given twice (first on line \(first.line))")
                    return
                }
                guard used.contains(s.keyword) else {
                    error(s.keywordLocation, "`\(s.keyword)` is given twice (first on line \(first.line)) with no figure, table or {{ }} reference between",
                          help: "to sweep, give one list: \(s.keyword) [a, b]; to change a setting for a later section, restate it after an output")
                    return
                }
            }
            seen[s.keyword] = s.keywordLocation
            used.remove(s.keyword)
        }
        if s.head != nil && s.keyword != "figure" && s.keyword != "structure" && s.keyword != "table" {
            error(s.head!.location, "`\(s.keyword)` takes no `name:` prefix")
            return
        }
        guard !s.clauses.isEmpty || s.keyword == "figure" else {
            error(s.keywordLocation, "`\(s.keyword)` needs a value", help: Self.example(s.keyword))
            return
        }
        switch s.keyword {
        case "model": model(s)
        case "calibrate": calibrate(s)
        case "structure": structure(s)
        case "pipeline": pipeline(s)
        case "precision": precision(s)
        case "scorer": experiment.scorers = components(s, registry: ScorerRegistry.names, kind: "scorer") { try ScorerRegistry.make($0) }
        case "pruner": experiment.pruners = components(s, registry: PrunerRegistry.names, kind: "pruner") { try PrunerRegistry.make($0) }
        case "reconstruct": reconstruct(s)
        case "amount": amount(s)
        case "evaluate": evaluate(s)
        case "save": save(s)
        case "output": output(s)
        case "figure": figure(s)
        case "table": table(s)
        case "replicate": replicate(s)
        case "together": together(s)
        case "ci": ci(s)
        default: report(s)
        }
    }

    static func example(_ keyword: String) -> String {
        switch keyword {
        case "model": "model \"models/SmolLM2-135M-Instruct.Q4_1.gguf\""
        case "calibrate": "calibrate \"data/calib.txt\" samples 64 seqlen 512 seed 42"
        case "structure": "structure model.layers: mlp.neurons (or LLM-Rank's chain mlp.up_proj -> mlp.down_proj)"
        case "reconstruct": "reconstruct [none, least_squares(ridge: 0.1), bias]"
        case "pipeline": "pipeline [isolated, chained]"
        case "precision": "precision bf16 (or f32, the default; a list runs both)"
        case "scorer": "scorer [wpr(gamma: 0.5), wanda]"
        case "pruner": "pruner local"
        case "amount": "amount 10%...50% step 10%"
        case "evaluate": "evaluate perplexity \"data/eval.txt\" seqlen 512 windows 12, or evaluate hellaswag \"data/hellaswag.jsonl\" limit 500"
        case "save": "save \"pruned/{scorer}-{amount}.gguf\" dtype q8_0"
        case "output": "output \"out/study\""
        case "report": "report \"report.md\""
        case "table": "table ppl: rows scorer, columns amount, value perplexity"
        case "replicate": "replicate seed [1, 2, 3, 4, 5]"
        case "together": "together structure, pipeline"
        case "ci": "ci bootstrap"
        default: "figure ppl: x amount, y perplexity, series scorer, log y"
        }
    }

    /// The index of the sweep in force now among the experiment's sweeps (added if new), for an output
    /// that shows it; every setting's current value counts as shown.
    mutating func snapshot() -> Int {
        used.formUnion(Self.sweepSettings)
        used.insert("evaluate")
        if let i = experiment.sweeps.firstIndex(of: experiment.sweep) { return i }
        experiment.sweeps.append(experiment.sweep)
        return experiment.sweeps.count - 1
    }

    /// An output (figure, table, reference) at `at` showing the sweep in force.
    mutating func output(_ what: String, at: SourceLocation) -> Int {
        let i = snapshot()
        outputs.append((what, at, i))
        return i
    }

    /// The values an expression sweeps over: a list's items, a range's numbers, or itself.
    mutating func values(_ e: Expr) -> [Expr] {
        switch e {
        case .list(let items, _): return items.flatMap { values($0) }
        case .range(let from, let to, let step, let at):
            guard case .number(let a, let pa, _) = from, case .number(let b, let pb, _) = to else {
                error(at, "a range needs numbers at both ends, e.g. 10%...50% step 10%")
                return []
            }
            var by = 0.0, percent = pa || pb
            if let step {
                guard case .number(let s, let ps, _) = step else { error(step.location, "a range's step must be a number"); return [] }
                by = s
                percent = percent || ps
            } else {
                func written(_ x: Double, _ p: Bool) -> String { p ? "\((x * 100).clean)%" : x.clean }
                error(at, "a range needs a step", help: "write \(written(a, pa))...\(written(b, pb)) step \(percent ? "10%" : "0.1")")
                return []
            }
            guard by > 0 else { error(step!.location, "a range's step must be positive, got \(by.clean)"); return [] }
            guard b >= a else { error(at, "a range must go upward: \(a.clean) is above \(b.clean)"); return [] }
            // Counted in Double: a tiny step or a wide span gives a count no Int can hold (or infinity).
            let n = ((b - a) / by + 1e-9).rounded(.down) + 1
            guard n <= Double(Self.maxRangeValues) else {
                error(at, "this range has \(n.isFinite ? Self.count(n) : "too many") values; at most \(Self.maxRangeValues)",
                      help: "use a larger step")
                return []
            }
            // Computed as a + i·step and rounded to 12 digits, so 0.1 steps do not drift (0.30000000000000004);
            // a value too large to round so is kept as computed.
            return (0..<Int(n)).map { i in
                let x = a + Double(i) * by, r = (x * 1e12).rounded() / 1e12
                return .number(r.isFinite ? r : x, percent: percent, at)
            }
        default: return [e]
        }
    }

    mutating func strings(_ e: Expr, what: String) -> [(String, SourceLocation)] {
        values(e).compactMap { v in
            guard case .string(let s, let at) = v else {
                valueError(v.location, "\(what) must be a quoted string, found \(describe(v))")
                return nil
            }
            guard !s.isEmpty else { error(at, "empty path for \(what)"); return nil }
            return (s, at)
        }
    }

    /// A count as people read it: 400,000; past what a Double holds exactly, 1.2e+20.
    static func count(_ n: Double) -> String {
        guard n < 1e15 else { return String(format: "%.3g", n) }
        let digits = Array(String(Int(n)))
        return digits.enumerated().map { i, d in i > 0 && (digits.count - i) % 3 == 0 ? ",\(d)" : "\(d)" }.joined()
    }

    func describe(_ e: Expr) -> String { e.shown }

    /// A path as written, resolved against the script's folder.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : script.source.folder.appendingPathComponent(path).standardizedFileURL.path
    }

    mutating func requireFile(_ path: String, _ at: SourceLocation, what: String) {
        let full = resolve(path)
        if !FileManager.default.fileExists(atPath: full) {
            error(at, "\(what) `\(path)` does not exist", help: "looked for \(full)")
        }
    }

    static func fileSize(_ path: String) -> UInt64? {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] else { return nil }
        return (size as? NSNumber)?.uint64Value ?? (size as? UInt64) ?? (size as? Int).map { UInt64(max(0, $0)) }
    }

    /// A data file read only once pruning starts: found to be missing, a folder or empty now instead.
    /// Whether the file is there and usable (each problem reported at `at`).
    @discardableResult
    mutating func requireDataFile(_ path: String, _ at: SourceLocation, what: String) -> Bool {
        let full = resolve(path)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: full, isDirectory: &isFolder) else {
            error(at, "\(what) `\(path)` does not exist", help: "looked for \(full)")
            return false
        }
        if isFolder.boolValue {
            error(at, "\(what) `\(path)` is a folder, not a file", help: "name a text, .jsonl or .json file inside it")
        } else if !FileManager.default.isReadableFile(atPath: full) {
            error(at, "\(what) `\(path)` cannot be read")
        } else if Self.fileSize(full) == 0 {
            error(at, "\(what) `\(path)` is empty")
        } else {
            return true
        }
        return false
    }
}
