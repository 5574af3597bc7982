import Evaluation
import Foundation
import Llama
import ModelIO
import Pruning

/// Everything a cell's result depends on, with files identified by content. Its canonical JSON's
/// SHA-256 is the cell's key in the results store.
public struct CellInputs: Codable, Equatable, Sendable {
    public struct File: Codable, Equatable, Sendable {
        public var path: String
        public var sha256: String
    }

    public var model: File
    public var calibration: File?
    public var calibrationSettings: [Int]?   // samples, seqlen, seed
    public var structure: String?
    public var pipeline: String?
    public var scorer: String?
    public var pruner: String?
    public var amount: Double
    public var evaluation: File?
    public var evaluationSettings: [Int?]?    // seqlen, windows (perplexity); seqlen, limit (tasks)
    /// The task, for evaluations other than perplexity (absent for perplexity, as in earlier records).
    public var evaluationTask: String?
    /// The reconstruction (absent when none, as in earlier records).
    public var reconstruction: String?
    /// The precision, when not Float32 (absent for Float32, as in earlier records).
    public var precision: String?
    public var numerics: String

    /// Bump when the forward pass, scoring or evaluation change results.
    public static let numericsVersion = "prune-numerics-1"

    enum CodingKeys: String, CodingKey {
        case model, calibration, calibrationSettings = "calibration_settings", structure, pipeline, scorer, pruner, amount
        case evaluation, evaluationSettings = "evaluation_settings", evaluationTask = "evaluation_task", reconstruction, precision, numerics
    }

    /// A cell's inputs, given the digests of its model, calibration file and evaluation text.
    public init(cell c: Cell, modelSHA256: String, calibrationSHA256: String?, evaluationSHA256: String?,
                numerics: String = CellInputs.numericsVersion) {
        model = File(path: c.model, sha256: modelSHA256)
        calibration = c.calibration.map { File(path: $0.path, sha256: calibrationSHA256 ?? "") }
        calibrationSettings = c.calibration.map { [$0.samples, $0.seqlen, $0.seed] }
        structure = c.structure?.description
        pipeline = c.pipeline?.rawValue
        scorer = c.scorer?.description
        pruner = c.pruner?.description
        amount = c.amount
        evaluation = c.evaluation.map { File(path: $0.text, sha256: evaluationSHA256 ?? "") }
        evaluationSettings = c.evaluation.map { $0.isPerplexity ? [$0.seqlen, $0.windows] : [$0.seqlen, $0.limit] }
        evaluationTask = c.evaluation.flatMap { $0.isPerplexity ? nil : $0.task }
        reconstruction = c.reconstruction?.description
        precision = c.precision?.rawValue
        self.numerics = numerics
    }

    public var key: String { ContentHash.data(Self.canonical(self)) }

    /// The key of the pruning alone: cells equal here prune to the same model, whatever they measure.
    public var pruningKey: String {
        var copy = self
        copy.evaluation = nil
        copy.evaluationSettings = nil
        copy.evaluationTask = nil
        return copy.key
    }

    /// Whether these are the inputs of `cell` (its paths and every setting), whatever the digests: a record
    /// whose cell and inputs disagree was edited or pieced together, and proves nothing.
    public func describe(_ cell: Cell) -> Bool {
        CellInputs(cell: cell, modelSHA256: model.sha256, calibrationSHA256: calibration?.sha256,
                   evaluationSHA256: evaluation?.sha256, numerics: numerics) == self
    }

    /// The inputs whose digests differ from `planned`'s, in words, for an error that says what changed.
    func changedFiles(since planned: CellInputs) -> [String] {
        var out: [String] = []
        func compare(_ what: String, _ now: File?, _ then: File?) {
            guard let now, let then, now.sha256 != then.sha256 else { return }
            out.append("\(what) \(now.path) changed while the sweep ran (planned with SHA-256 \(then.sha256.prefix(12))…, read \(now.sha256.prefix(12))…)")
        }
        compare("model", model, planned.model)
        compare("calibration data", calibration, planned.calibration)
        compare("evaluation text", evaluation, planned.evaluation)
        return out
    }

    static func canonical<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try! encoder.encode(value)
    }

    /// The same inputs with contents and code version blanked: two cells with equal identities are the
    /// same experiment, whose result changes only if a file's content or the numerics changed.
    var identity: Data {
        var copy = self
        copy.model.sha256 = ""
        copy.calibration?.sha256 = ""
        copy.evaluation?.sha256 = ""
        copy.numerics = ""
        return Self.canonical(copy)
    }

    /// What differs from an earlier run of the same experiment, in words.
    func changes(since old: CellInputs) -> [String] {
        var out: [String] = []
        if model.sha256 != old.model.sha256 { out.append("model file \(model.path) changed") }
        if calibration?.sha256 != old.calibration?.sha256 { out.append("calibration data \(calibration?.path ?? "") changed") }
        if evaluation?.sha256 != old.evaluation?.sha256 { out.append("evaluation text \(evaluation?.path ?? "") changed") }
        if numerics != old.numerics { out.append("numerics version changed (\(old.numerics) → \(numerics))") }
        return out
    }
}

public enum Planner {
    /// Every cell of every sweep the notebook shows, each once, in script order.
    public static func cells(_ e: Experiment) -> [Cell] {
        var out: [Cell] = []
        var seen = Set<Cell>()
        for sweep in e.sweeps.isEmpty ? [e.sweep] : e.sweeps {
            for cell in cells(sweep) where seen.insert(cell).inserted { out.append(cell) }
        }
        return out
    }

    /// The Cartesian product of one sweep's lists (lists named by `together` advance in step), dense
    /// cells merged, in script order; each replicate value gives a copy of every pruned cell.
    public static func cells(_ s: Sweep) -> [Cell] {
        var out: [Cell] = []
        var seen = Set<Cell>()
        let evaluations: [EvaluationSetting?] = s.evaluations.isEmpty ? [nil] : s.evaluations
        let calibrations: [CalibrationSpec?] = s.calibrations.isEmpty ? [nil] : s.calibrations
        let replicates: [Int?] = s.replicate.map { $0.values.map(Optional.some) } ?? [nil]
        let methods = combinations(s)
        for model in s.models { for precision in s.precisions { for evaluation in evaluations { for amount in s.amounts {
            if amount == 0 {
                let cell = Cell(model: model, calibration: nil, structure: nil, pipeline: nil, scorer: nil, pruner: nil, amount: 0, evaluation: evaluation,
                                precision: precision)
                if seen.insert(cell).inserted { out.append(cell) }
                continue
            }
            for replicate in replicates { for calibration in calibrations { for (structure, pipeline, scorer, pruner) in methods {
                for reconstruction in s.reconstructions {
                    // A scorer pairs only with the structures whose units it scores (the checker makes sure it has one).
                    if !structure.fits(scorer: scorer.name) { continue }
                    // A reconstruction reads the calibration even when the scorer does not.
                    let needs = (ScorerRegistry.all.first { $0.name == scorer.name }?.needsStatistics ?? true) || reconstruction != nil
                    var calibration = needs ? calibration : nil, scorer = scorer
                    if let replicate {
                        calibration?.seed = replicate
                        if scorer.name == "random" || scorer.parameters["seed"] != nil { scorer.parameters["seed"] = .number(Double(replicate)) }
                    }
                    let cell = Cell(model: model, calibration: calibration, structure: structure, pipeline: pipeline,
                                    scorer: scorer, pruner: pruner, amount: amount, evaluation: evaluation, reconstruction: reconstruction,
                                    precision: precision)
                    if seen.insert(cell).inserted { out.append(cell) }
                }
            } } }
        } } } }
        return out
    }

    /// The (structure, pipeline, scorer, pruner) choices: crossed, except that settings named in
    /// `together` take their i-th values together.
    static func combinations(_ s: Sweep) -> [(PruningStructure, Pipeline, ComponentSpec, ComponentSpec)] {
        let names = ["structure", "pipeline", "scorer", "pruner"]
        let sizes = [s.structures.count, s.pipelines.count, s.scorers.count, s.pruners.count]
        // Dimensions to iterate: the zipped group (if any) as one, the others one each, in `names` order.
        var units: [[Int]] = []
        for (i, name) in names.enumerated() {
            if s.together.contains(name) {
                if !units.contains(where: { $0.contains(i) }) { units.append(names.indices.filter { s.together.contains(names[$0]) }) }
            } else {
                units.append([i])
            }
        }
        var indices: [[Int]] = [[0, 0, 0, 0]]
        for unit in units {
            let n = unit.map { sizes[$0] }.min() ?? 0
            indices = indices.flatMap { base in (0..<n).map { k in var x = base; for d in unit { x[d] = k }; return x } }
        }
        return indices.map { (s.structures[$0[0]], s.pipelines[$0[1]], s.scorers[$0[2]], s.pruners[$0[3]]) }
    }
}

/// SHA-256 of files and models, each computed once per run.
final class FileHashes: @unchecked Sendable {
    private var known: [String: String] = [:]
    private let lock = NSLock()

    /// A model's digest as `ModelFiles` defines it (a folder: the files its loader reads); a text file's
    /// digest otherwise.
    func sha256(_ path: String, model: Bool = false) throws -> String {
        lock.lock()
        if let h = known[path] { lock.unlock(); return h }
        lock.unlock()
        let h = model ? try ModelFiles.sha256(path) : try ContentHash.file(path)
        lock.lock()
        known[path] = h
        lock.unlock()
        return h
    }
}
