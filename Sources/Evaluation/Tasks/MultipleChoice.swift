import Foundation
import Llama
import Tokenizers

/// One multiple-choice question as lm-eval builds it: either one context and a continuation per choice
/// (`" " + choice`), or, for partial scoring (winogrande), a context per choice and one shared
/// continuation. `lengths` are the choices' lengths in code points, which acc_norm divides by.
public struct MultipleChoiceItem: Sendable {
    public var contexts: [String]
    public var continuations: [String]
    public var gold: Int
    public var lengths: [Int]

    /// The usual form: one context, " " + each choice.
    public init(context: String, choices: [String], gold: Int) {
        contexts = [context]
        continuations = choices.map { " " + $0 }
        self.gold = gold
        lengths = choices.map(LMEvalText.length)
    }

    /// Partial scoring: a context per choice, one continuation.
    public init(contexts: [String], continuation: String, gold: Int) {
        self.contexts = contexts
        continuations = [continuation]
        self.gold = gold
        lengths = contexts.map(LMEvalText.length)
    }

    var choiceCount: Int { max(contexts.count, continuations.count) }

    func request(_ choice: Int) -> (String, String) {
        (contexts.count == 1 ? contexts[0] : contexts[choice], continuations.count == 1 ? continuations[0] : continuations[choice])
    }
}

/// A multiple-choice task: how one record becomes a question. One file per task, one registry line.
public protocol MultipleChoiceTask: Sendable {
    static var task: String { get }
    static var requiredFields: [String] { get }
    /// Whether lm-eval reports acc_norm for it (winogrande does not).
    static var hasNormalizedAccuracy: Bool { get }
    static func item(_ record: TaskRecords.Record) throws -> MultipleChoiceItem
}

extension MultipleChoiceTask {
    public static var hasNormalizedAccuracy: Bool { true }
}

/// acc (the choice of highest log-likelihood) and acc_norm (highest log-likelihood per code point of the
/// choice), each with lm-eval's standard error, for any `MultipleChoiceTask`.
public struct MultipleChoiceEvaluator<Task: MultipleChoiceTask>: Evaluator {
    public static var task: String { Task.task }
    public static var requiredFields: [String] { Task.requiredFields }
    public static var headline: String? { Task.hasNormalizedAccuracy ? "acc_norm" : "acc" }
    public static var metrics: [String] { Task.hasNormalizedAccuracy ? ["acc", "acc_stderr", "acc_norm", "acc_norm_stderr"] : ["acc", "acc_stderr"] }

    let items: [MultipleChoiceItem]
    let requests: [LoglikelihoodRequest]
    let maxLength: Int

    public static func check(_ record: TaskRecords.Record) throws { _ = try item(record) }

    static func item(_ r: TaskRecords.Record) throws -> MultipleChoiceItem {
        let item = try Task.item(r)
        guard item.choiceCount >= 2 else { throw r.fail("a question needs at least two choices, found \(item.choiceCount)") }
        guard (0..<item.choiceCount).contains(item.gold) else {
            throw r.fail("the answer is choice \(item.gold) (counting from 0) of \(item.choiceCount); it must be one of them")
        }
        return item
    }

    public init(setting: EvaluationSetting, data: Data, tokenizer: any Tokenizer) throws {
        let records = try TaskRecords(data, file: setting.text, limit: setting.limit)
        let items = try records.records.map(Self.item)
        self.items = items
        requests = items.flatMap { item in (0..<item.choiceCount).map { c in
            let (context, continuation) = item.request(c)
            return LMEvalText.encodePair(context, continuation, tokenizer: tokenizer)
        } }
        maxLength = setting.seqlen
    }

    public func evaluate(_ model: LlamaModel, progress: (@Sendable (Int, Int) -> Void)?) throws -> EvaluationResult {
        let start = DispatchTime.now()
        let scores = try Loglikelihood.score(model, requests, maxLength: maxLength > 0 ? maxLength : model.config.maxPositionEmbeddings,
                                             progress: progress)
        var acc: [Double] = [], accNorm: [Double] = []
        var next = 0
        for item in items {
            let lls = scores[next..<next + item.choiceCount].map(\.logLikelihood)
            next += item.choiceCount
            // np.argmax: the first of equal maxima.
            func argmax(_ xs: [Double]) -> Int { xs.indices.reduce(0) { xs[$1] > xs[$0] ? $1 : $0 } }
            acc.append(argmax(lls) == item.gold ? 1 : 0)
            accNorm.append(argmax(zip(lls, item.lengths).map { $0 / Double($1) }) == item.gold ? 1 : 0)
        }
        var metrics = ["acc": LMEvalStatistics.mean(acc)]
        metrics["acc_stderr"] = LMEvalStatistics.meanStandardError(acc)
        var perItem = ["acc": acc]
        if Task.hasNormalizedAccuracy {
            metrics["acc_norm"] = LMEvalStatistics.mean(accNorm)
            metrics["acc_norm_stderr"] = LMEvalStatistics.meanStandardError(accNorm)
            perItem["acc_norm"] = accNorm
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return EvaluationResult(metrics: metrics, items: perItem, count: items.count, seconds: seconds)
    }
}
