import Foundation
import Llama
import Tokenizers

/// lambada_openai (test split): predict a passage's last word. The context is the text before the
/// last space, the continuation " " + the last word (split on the space character alone, as lm-eval
/// splits). acc: every token of the word is the model's greedy choice; perplexity: exp(−mean ll).
public struct Lambada: Evaluator {
    public static let task = "lambada_openai"
    public static let metrics = ["acc", "acc_stderr", "perplexity", "perplexity_stderr"]
    public static let requiredFields = ["text"]
    public static let headline: String? = "acc"

    let requests: [LoglikelihoodRequest]
    let maxLength: Int

    public init(setting: EvaluationSetting, data: Data, tokenizer: any Tokenizer) throws {
        let records = try TaskRecords(data, file: setting.text, limit: setting.limit)
        requests = try records.records.map { r in
            let (context, word) = try Self.split(r)
            return LMEvalText.encodePair(context, word, tokenizer: tokenizer)
        }
        maxLength = setting.seqlen
    }

    public static func check(_ record: TaskRecords.Record) throws { _ = try split(record) }

    /// The text before its last space, and " " + what follows it.
    static func split(_ r: TaskRecords.Record) throws -> (context: String, word: String) {
        // By code point, as Python splits: a space followed by a combining mark is still a space.
        let text = Array(try r.string("text").unicodeScalars)
        guard let space = text.lastIndex(of: " ") else { throw r.fail("field \"text\" has no space before a last word") }
        return (String(String.UnicodeScalarView(text[..<space])), " " + String(String.UnicodeScalarView(text[(space + 1)...])))
    }

    public func evaluate(_ model: LlamaModel, progress: (@Sendable (Int, Int) -> Void)?) throws -> EvaluationResult {
        let start = DispatchTime.now()
        let scores = try Loglikelihood.score(model, requests, maxLength: maxLength > 0 ? maxLength : model.config.maxPositionEmbeddings,
                                             progress: progress)
        let lls = scores.map(\.logLikelihood), acc = scores.map { $0.greedy ? 1.0 : 0.0 }
        func perplexity(_ xs: [Double]) -> Double { exp(-LMEvalStatistics.mean(xs)) }
        var metrics = ["acc": LMEvalStatistics.mean(acc), "perplexity": perplexity(lls)]
        metrics["acc_stderr"] = LMEvalStatistics.meanStandardError(acc)
        metrics["perplexity_stderr"] = LMEvalStatistics.bootstrapStandardError(lls, perplexity)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return EvaluationResult(metrics: metrics, items: ["acc": acc, "loglikelihood": lls], count: lls.count, seconds: seconds)
    }
}
