import Foundation
import Llama
import Tokenizers

/// What one evaluation measured: metrics under lm-eval's names (`acc`, `acc_stderr`, `acc_norm`,
/// `perplexity`, `word_perplexity`, ...), and the per-item (or per-window) values behind them, which
/// confidence intervals are later computed from.
public struct EvaluationResult: Codable, Sendable, Equatable {
    public var metrics: [String: Double]
    /// By name, one value per item or window in file order: `acc` 1 or 0, `nll` of a window, ...
    public var items: [String: [Double]]
    /// Items (or windows) evaluated.
    public var count: Int
    public var seconds: Double

    public init(metrics: [String: Double], items: [String: [Double]], count: Int, seconds: Double) {
        self.metrics = metrics
        self.items = items
        self.count = count
        self.seconds = seconds
    }
}

/// One kind of evaluation: perplexity, or an lm-eval task. A new task is one type and one line in
/// `EvaluatorRegistry.all`.
public protocol Evaluator: Sendable {
    /// The name scripts and `--task` use (lm-eval's task name).
    static var task: String { get }
    /// The metric a table shows for the task, and the one `mean_acc` averages (nil: not an accuracy).
    static var headline: String? { get }
    /// Fields every record of the data file must have, for the checker to look at the first record.
    static var requiredFields: [String] { get }
    /// The metrics it reports, by lm-eval's names (figures and tables may name any of them).
    static var metrics: [String] { get }
    /// Checks one record as the evaluator will read it (for `prune check`).
    static func check(_ record: TaskRecords.Record) throws

    /// Reads `data` (the evaluation file's bytes, already hashed by the caller) into items; errors name
    /// the file and line.
    init(setting: EvaluationSetting, data: Data, tokenizer: any Tokenizer) throws

    func evaluate(_ model: LlamaModel, progress: (@Sendable (Int, Int) -> Void)?) throws -> EvaluationResult
}

extension Evaluator {
    public static var headline: String? { nil }

    /// Whether one record of a data file can be read: every required field there. Tasks that build
    /// items from records check the whole item.
    public static func check(_ record: TaskRecords.Record) throws {
        for field in requiredFields { _ = try record.value(field) }
    }
}

public enum EvaluatorRegistry {
    public static let all: [any Evaluator.Type] = [
        PerplexityEvaluator.self,
        MultipleChoiceEvaluator<HellaSwag>.self,
        MultipleChoiceEvaluator<PIQA>.self,
        MultipleChoiceEvaluator<Winogrande>.self,
        MultipleChoiceEvaluator<ARCEasy>.self,
        MultipleChoiceEvaluator<ARCChallenge>.self,
        MultipleChoiceEvaluator<OpenBookQA>.self,
        Lambada.self,
        Wikitext.self,
    ]

    public static var names: [String] { all.map { $0.task } }

    public static func type(_ task: String) -> (any Evaluator.Type)? { all.first { $0.task == task } }

    public static func make(_ setting: EvaluationSetting, data: Data, tokenizer: any Tokenizer) throws -> any Evaluator {
        guard let type = type(setting.task) else {
            throw EvaluationError("unknown evaluation `\(setting.task)`; known: \(names.joined(separator: ", "))")
        }
        return try type.init(setting: setting, data: data, tokenizer: tokenizer)
    }
}
