import Evaluation
import Foundation
import Pruning

/// What a checked script asks for: every setting as the list of values it sweeps over.
public struct Experiment: Sendable {
    public var models: [String] = []
    public var calibrations: [CalibrationSpec] = []
    /// Whole FFN neurons unless the script says otherwise: LLM-Rank's chain also removes rows of
    /// down_proj, which are channels of the residual stream every later block reads.
    public var structures: [PruningStructure] = [.neurons]
    public var pipelines: [Pipeline] = [.chained]
    public var scorers: [ComponentSpec] = []
    public var pruners: [ComponentSpec] = [ComponentSpec(name: "local")]
    public var amounts: [Double] = []
    /// Reconstructions to sweep; nil is none (the default).
    public var reconstructions: [ComponentSpec?] = [nil]
    public var evaluations: [EvaluationSetting] = []
    /// Where pruned models are saved: a pattern such as "models/{scorer}-{amount}.gguf".
    public var savePattern: String?
    /// Where the `save` pattern stands in the script, for errors about it.
    public var saveLocation: SourceLocation?
    public var output: URL
    public var figures: [FigureSpec] = []
    public var reports: [String] = []
    /// Markdown blocks in script order, for the report.
    public var prose: [String] = []

    public init(output: URL) { self.output = output }
}

/// `figure name: x amount, y perplexity, series scorer, log y, title "...", kind lines`.
public struct FigureSpec: Hashable, Codable, Sendable {
    public var name: String
    public var x = "amount"
    public var y = "perplexity"
    public var series: String?
    public var logX = false
    public var logY = false
    public var title: String?
    public var kind = "lines"
    /// `where setting value` clauses: only cells whose setting has that value (the dense baseline always).
    public var filters: [String: String] = [:]
    /// Also render a PDF (pdfcairo), for LaTeX.
    public var pdf = false

    public static let xs = ["amount", "gamma", "theta"]
    public static let ys = ["perplexity", "ppl_ratio", "params_stored", "params_nonzero", "forward_seconds", "speedup", "kept_rows"]
    public static let settings = CellSettings.names
    /// y values over the tasks of a cell: the mean of their accuracies (each task's headline accuracy,
    /// acc_norm where lm-eval reports it), and the paper's accuracy retention, the mean over tasks of
    /// pruned accuracy / dense accuracy.
    public static let aggregates = ["mean_acc", "retention"]
    /// `TASK.METRIC` for every task and metric, e.g. `hellaswag.acc_norm`.
    public static let taskMetrics: [String] = EvaluatorRegistry.all.filter { $0.task != "perplexity" }
        .flatMap { t in t.metrics.map { "\(t.task).\($0)" } }
    public static let kinds = ["lines", "bars", "layers"]
}
