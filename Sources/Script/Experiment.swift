import Evaluation
import Foundation
import Pruning

/// What a checked script asks for: every setting as the list of values it sweeps over.
public struct Experiment: Sendable {
    public var models: [String] = []
    public var calibrations: [CalibrationSpec] = []
    public var structures: [PruningStructure] = [PruningStructure()]
    public var pipelines: [Pipeline] = [.chained]
    public var scorers: [ComponentSpec] = []
    public var pruners: [ComponentSpec] = [ComponentSpec(name: "local")]
    public var amounts: [Double] = []
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

/// `figure name: x amount, y perplexity, series scorer, log y, title "...", kind lines, size 3.4in x 2.4in, font "Times,9"`.
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
    /// `size 3.4in x 2.4in` (or cm), kept in inches; nil draws 6in × 4in.
    public var width: Double?
    public var height: Double?
    /// `font "Times,9"`: gnuplot's "FACE,POINTS"; nil is Sans at 10 points.
    public var font: String?
    /// `key top left` and the rest of `keys`: where the legend goes when it fits there.
    public var key = "outside"
    /// `dpi 300`: the PNG's pixels per inch (its size in inches times this).
    public var dpi = 150
    /// `latex true`: also gnuplot's cairolatex NAME.tex + NAME.pdf, whose text the paper's LaTeX sets.
    public var latex = false

    public static let xs = ["amount", "gamma", "theta", "samples", "seqlen", "seed", "params_stored", "params_nonzero"]
    public static let keys = ["top left", "top right", "bottom left", "bottom right", "outside", "off"]
    public static let ys = ["perplexity", "ppl_ratio", "params_stored", "params_nonzero", "forward_seconds", "speedup", "kept_rows"]
    public static let settings = CellSettings.names
    /// y values over the tasks of a cell: the mean of their accuracies (each task's headline accuracy,
    /// acc_norm where lm-eval reports it), and the paper's accuracy retention, the mean over tasks of
    /// pruned accuracy / dense accuracy.
    public static let aggregates = ["mean_acc", "retention"]
    /// `TASK.METRIC` for every task and metric, e.g. `hellaswag.acc_norm`.
    public static let taskMetrics: [String] = EvaluatorRegistry.all.filter { $0.task != "perplexity" }
        .flatMap { t in t.metrics.map { "\(t.task).\($0)" } }
    public static let kinds = ["lines", "bars", "layers", "heatmap"]
}
