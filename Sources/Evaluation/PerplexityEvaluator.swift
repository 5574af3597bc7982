import Foundation
import Llama
import Tokenizers

/// Perplexity of a text under `PerplexityProtocol`: the reference's protocol, kept as it was.
public struct PerplexityEvaluator: Evaluator {
    public static let task = "perplexity"
    public static let metrics = ["perplexity", "mean_nll", "windows", "predicted_tokens", "tokens_per_second"]
    public static let requiredFields: [String] = []

    let ids: [Int32]
    let perplexityProtocol: PerplexityProtocol

    public init(setting: EvaluationSetting, data: Data, tokenizer: any Tokenizer) throws {
        guard let text = String(data: data, encoding: .utf8) else { throw EvaluationError("\(setting.text): not valid UTF-8 text") }
        ids = tokenizer.encode(text)
        perplexityProtocol = setting.perplexityProtocol
    }

    public func evaluate(_ model: LlamaModel, progress: (@Sendable (Int, Int) -> Void)?) throws -> EvaluationResult {
        let windows = try perplexityProtocol.windows(of: ids)
        let start = DispatchTime.now()
        let perWindow = Perplexity.windowNLLs(model, windows: windows, progress: progress)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let nll = perWindow.reduce(0) { $0 + $1.0 }, count = perWindow.reduce(0) { $0 + $1.1 }
        let mean = nll / Double(count)
        return EvaluationResult(
            metrics: ["perplexity": exp(mean), "mean_nll": mean, "windows": Double(windows.count), "predicted_tokens": Double(count),
                      "tokens_per_second": Double(windows.count * perplexityProtocol.seqlen) / seconds],
            items: ["nll": perWindow.map(\.0), "tokens": perWindow.map { Double($0.1) }], count: windows.count, seconds: seconds)
    }
}
