import Evaluation
import Foundation
import Llama
import Pruning

/// The settings of one sweep: every setting as the list of values it sweeps over. A notebook may restate
/// settings further down; each figure, table and inline reference shows the sweep in force at its line.
public struct Sweep: Hashable, Sendable {
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
    /// Precisions to run in (`precision bf16`); Float32 unless the script says otherwise.
    public var precisions: [Precision] = [.f32]
    public var evaluations: [EvaluationSetting] = []
    /// A setting whose values are replicates of one experiment (`replicate seed [1, 2, 3]`): results are
    /// shown as their mean with a 95 % interval.
    public var replicate: Replicate?
    /// Settings swept together instead of crossed (`together structure, pipeline`): their lists have
    /// one length, and the i-th values go together.
    public var together: [String] = []

    public init() {}
}

/// `replicate seed [1, 2, 3]`: each value gives a replicate of every cell; the calibration draw and a
/// scorer's own `seed` parameter (`random`) take it.
public struct Replicate: Hashable, Sendable {
    public var setting: String
    public var values: [Int]

    public static let settings = ["seed"]

    /// A cell with its replicate setting blanked: cells equal here are replicates of one experiment.
    public func group(_ c: Cell) -> Cell {
        var copy = c
        copy.calibration?.seed = -1
        copy.scorer?.parameters["seed"] = nil
        return copy
    }
}

/// What a checked script asks for: its notebook (prose, figures and tables in order, each with the sweep
/// in force where it stands) and where results go. `experiment.models` and the like read the sweep in
/// force at the end of the script.
@dynamicMemberLookup
public struct Experiment: Sendable {
    public var sweep = Sweep()
    /// Every distinct sweep some output shows, and the sweep at the end: all are planned together.
    public var sweeps: [Sweep] = []
    public var notebook: [NotebookItem] = []
    /// Where pruned models are saved: a pattern such as "models/{scorer}-{amount}.gguf".
    public var savePattern: String?
    /// Where the `save` pattern stands in the script, for errors about it.
    public var saveLocation: SourceLocation?
    /// How saved models store their matrices: `save "..." dtype q8_0` (a `GGUFWriter.Storage` name).
    public var saveDType = "f32"
    public var output: URL
    public var reports: [String] = []
    /// `ci bootstrap`: a single cell's value gets a 95 % bootstrap interval over its windows or items.
    public var bootstrap = false

    public init(output: URL) { self.output = output }

    public subscript<T>(dynamicMember path: WritableKeyPath<Sweep, T>) -> T {
        get { sweep[keyPath: path] }
        set { sweep[keyPath: path] = newValue }
    }

    /// The sweep an output shows (the one in force at the end for an experiment built by hand without sweeps).
    public func sweep(_ index: Int) -> Sweep { sweeps.indices.contains(index) ? sweeps[index] : sweep }

    public var figures: [FigureSpec] { notebook.compactMap { if case .figure(let f, _) = $0 { f } else { nil } } }
    /// The prose blocks' text, references left out.
    public var prose: [String] {
        notebook.compactMap { item in
            guard case .prose(let segments, _) = item else { return nil }
            return segments.map { if case .text(let t) = $0 { t } else { "" } }.joined()
        }
    }
    public var tables: [TableSpec] { notebook.compactMap { if case .table(let t, _) = $0 { t } else { nil } } }
}

/// One output of a notebook, in script order; `sweep` indexes `Experiment.sweeps`.
public enum NotebookItem: Sendable {
    case prose([ProseSegment], sweep: Int?)
    case figure(FigureSpec, sweep: Int)
    case table(TableSpec, sweep: Int)
}

/// Prose is Markdown with `{{ metric where setting value, ... }}` references to results.
public enum ProseSegment: Hashable, Sendable {
    case text(String)
    case reference(ResultReference)
}

/// `{{ perplexity where scorer wpr(gamma: 0.5), amount 30% digits 2 }}`: one stored value in the prose.
public struct ResultReference: Hashable, Sendable {
    public var metric: String
    public var filters: [String: String]
    public var digits: Int?
    public var location: SourceLocation
}

/// `table NAME: rows scorer, columns amount, value perplexity, where pipeline chained, digits 2`.
public struct TableSpec: Hashable, Sendable {
    public var name: String
    public var rows = "scorer"
    public var columns = "amount"
    public var value = "perplexity"
    public var filters: [String: String] = [:]
    public var digits: Int?
    public var title: String?

    public static let settings = ["rows", "columns", "value", "where", "digits", "title"]

    /// The dense model is a row or column of its own where the table's settings give it a name (scorer
    /// `dense`, amount 0 %); against a scorer's parameter or a calibration setting it has no place.
    public var showsDense: Bool {
        let named: Set = ["amount", "scorer", "pruner", "pipeline", "structure", "model", "evaluation"]
        return named.contains(rows) || named.contains(columns)
    }
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
    /// Speed is not among them: one timed evaluation on a shared machine is not a measurement;
    /// `prune bench` measures speed (repeated, median).
    public static let ys = ["perplexity", "ppl_ratio", "params_stored", "params_nonzero", "kept_rows"]
    public static let speeds = ["speedup", "forward_seconds", "tokens_per_second"]
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
