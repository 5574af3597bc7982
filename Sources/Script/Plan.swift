import Foundation
import ModelIO
import Pruning

/// One point of the sweep. A dense cell (amount 0) carries no pruning settings: the baseline is computed
/// once however many scorers, pruners or pipelines are swept.
public struct Cell: Hashable, Codable, Sendable {
    public var model: String
    public var calibration: CalibrationSpec?
    public var structure: PruningStructure?
    public var pipeline: Pipeline?
    public var scorer: ComponentSpec?
    public var pruner: ComponentSpec?
    public var amount: Double
    public var evaluation: EvaluationSetting?

    public var isDense: Bool { amount == 0 }

    public var label: String {
        guard !isDense else { return "dense \(model)" }
        return "\(scorer!.description) \(pruner!.description) \(pipeline!.rawValue) \(String(format: "%g", amount)) [\(structure!.chain.joined(separator: " -> "))]"
    }
}

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
    public var evaluationSettings: [Int?]?    // seqlen, windows
    public var numerics: String

    /// Bump when the forward pass, scoring or evaluation change results.
    public static let numericsVersion = "prune-numerics-1"

    enum CodingKeys: String, CodingKey {
        case model, calibration, calibrationSettings = "calibration_settings", structure, pipeline, scorer, pruner, amount
        case evaluation, evaluationSettings = "evaluation_settings", numerics
    }

    public var key: String { ContentHash.data(Self.canonical(self)) }

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
    /// The Cartesian product of the experiment's lists, dense cells merged, in script order.
    public static func cells(_ e: Experiment) -> [Cell] {
        var out: [Cell] = []
        var seen = Set<Cell>()
        let evaluations: [EvaluationSetting?] = e.evaluations.isEmpty ? [nil] : e.evaluations
        let calibrations: [CalibrationSpec?] = e.calibrations.isEmpty ? [nil] : e.calibrations
        for model in e.models { for evaluation in evaluations { for amount in e.amounts {
            if amount == 0 {
                let cell = Cell(model: model, calibration: nil, structure: nil, pipeline: nil, scorer: nil, pruner: nil, amount: 0, evaluation: evaluation)
                if seen.insert(cell).inserted { out.append(cell) }
                continue
            }
            for calibration in calibrations { for structure in e.structures { for pipeline in e.pipelines {
                for scorer in e.scorers { for pruner in e.pruners {
                    let needs = ScorerRegistry.all.first { $0.name == scorer.name }?.needsStatistics ?? true
                    let cell = Cell(model: model, calibration: needs ? calibration : nil, structure: structure, pipeline: pipeline,
                                    scorer: scorer, pruner: pruner, amount: amount, evaluation: evaluation)
                    if seen.insert(cell).inserted { out.append(cell) }
                } }
            } } }
        } } }
        return out
    }
}

/// SHA-256 of files, each computed once per run.
final class FileHashes: @unchecked Sendable {
    private var known: [String: String] = [:]
    private let lock = NSLock()

    func sha256(_ path: String) throws -> String {
        lock.lock()
        if let h = known[path] { lock.unlock(); return h }
        lock.unlock()
        let h = try ContentHash.path(path)
        lock.lock()
        known[path] = h
        lock.unlock()
        return h
    }
}
