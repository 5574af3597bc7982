import ArgumentParser
import Evaluation
import Foundation
import Llama
import ModelIO

/// `prune eval`: perplexity of a model on a text under the stated window protocol, or an lm-eval task
/// on its JSON Lines records (`--task hellaswag --data hellaswag.jsonl`).
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure a model's perplexity on a text, or its score on an lm-eval task.")

    @Option(help: "A .gguf model file or a Hugging Face model folder.")
    var model = "models/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "A UTF-8 text file.")
    var text = "data/eval.txt"

    @Option(help: "Tokens per window.")
    var seqlen = 512

    @Option(help: "Evaluate only the first N windows.")
    var maxWindows: Int?

    @Option(help: "An lm-eval task instead of perplexity: \(EvaluatorRegistry.names.filter { $0 != "perplexity" }.joined(separator: ", ")).")
    var task: String?

    @Option(help: "The task's records as JSON Lines (what datasets' to_json writes).")
    var data: String?

    @Option(help: "Evaluate only the first N records of the task.")
    var limit: Int?

    @Option(help: "The task's context length (lm-eval's max_length; default: the model's).")
    var maxLength: Int?

    @Option(help: "f32 (the default) or bf16: bfloat16 weights and matrix-product inputs, Float32 sums, norms, softmax and NLL.")
    var precision = "f32"

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    /// The loaded model computing in the precision asked for.
    func computing(_ bundle: ModelBundle) -> LlamaModel { bundle.model.computing(Precision(rawValue: precision)!) }

    func validate() throws {
        guard Precision(rawValue: precision) != nil else {
            throw ValidationError("--precision must be one of \(Precision.names.joined(separator: ", ")), got \(precision)")
        }
        guard seqlen >= 2 else { throw ValidationError("--seqlen must be at least 2 (got \(seqlen))") }
        if let m = maxWindows, m < 1 { throw ValidationError("--max-windows must be at least 1 (got \(m))") }
        if let n = limit, n < 1 { throw ValidationError("--limit must be at least 1 (got \(n))") }
        if let n = maxLength, n < 2 { throw ValidationError("--max-length must be at least 2 (got \(n))") }
        if let task, task != "perplexity" {
            guard EvaluatorRegistry.type(task) != nil else {
                throw ValidationError("unknown task \(task); tasks are: \(EvaluatorRegistry.names.joined(separator: ", "))")
            }
            guard data != nil else { throw ValidationError("--task \(task) needs its records: --data FILE.jsonl") }
        }
    }

    func run() throws {
        if let task, task != "perplexity", let data {
            try runTask(task, data: data)
            return
        }
        try reportingErrors {
            // Both inputs are checked before the slow model load.
            guard FileManager.default.fileExists(atPath: model) else { throw ModelIOError(model, "no such file") }
            let content = try TextFile.read(text)
            let bundle = try ModelBundle.load(path: model)
            let tokenizeStart = Date()
            let ids = bundle.tokenizer.encode(content)
            let tokenizeSeconds = Date().timeIntervalSince(tokenizeStart)
            let proto = PerplexityProtocol(seqlen: seqlen, maxWindows: maxWindows)
            let progress = Progress("eval")
            let r = try Perplexity.evaluate(computing(bundle), ids: ids, protocol: proto) { progress.update($0, $1) }
            if json {
                let report = EvalReport(result: r, model: model, text: text, textTokens: ids.count,
                                        bos: bundle.tokenizer.addsBOS, protocolSummary: proto.summary,
                                        loadSeconds: bundle.loadSeconds, tokenizeSeconds: tokenizeSeconds, precision: precision)
                print(try JSONOutput.string(report))
            } else {
                let c = bundle.model.config
                print("""
                model       \(model) (llama, \(c.numHiddenLayers) layers, loaded in \(String(format: "%.1f", bundle.loadSeconds)) s)
                text        \(text): \(ids.count) tokens (\(bundle.tokenizer.addsBOS ? "BOS added" : "no BOS"), tokenized in \(String(format: "%.2f", tokenizeSeconds)) s)
                protocol    \(proto.summary)
                precision   \(precision)
                scored      \(r.windows) windows, \(r.predictedTokens) predicted tokens
                perplexity  \(String(format: "%.4f", r.ppl)) (mean NLL \(String(format: "%.6f", r.meanNLL)))
                time        \(String(format: "%.1f", r.seconds)) s, \(String(format: "%.0f", r.tokensPerSecond)) tokens/s
                """)
            }
        }
    }
}

extension Eval {
    /// An lm-eval task: its metrics under lm-eval's names, with the item count and the time taken.
    func runTask(_ task: String, data: String) throws {
        try reportingErrors {
            try InputFile.check(data)
            guard FileManager.default.fileExists(atPath: model) else { throw ModelIOError(model, "no such file") }
            let contents = try TextFile.bytes(data)
            let bundle = try ModelBundle.load(path: model)
            let setting = EvaluationSetting(task: task, text: data, seqlen: maxLength ?? 0, limit: limit)
            let evaluator = try EvaluatorRegistry.make(setting, data: contents.data, tokenizer: bundle.tokenizer)
            let progress = Progress(task)
            let r = try evaluator.evaluate(computing(bundle)) { progress.update($0, $1) }
            if json {
                var out: [String: Any] = r.metrics
                out["items"] = r.count
                out["seconds"] = r.seconds
                out["task"] = task
                out["data"] = data
                out["data_sha256"] = contents.sha256
                out["model"] = model
                out["precision"] = precision
                let text = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
                print(String(decoding: text, as: UTF8.self))
            } else {
                print("model       \(model) (loaded in \(String(format: "%.1f", bundle.loadSeconds)) s)")
                print("precision   \(precision)")
                print("task        \(task) on \(data): \(r.count) \(task == "wikitext" ? "documents" : "items")"
                      + (limit.map { " (first \($0))" } ?? "") + ", context up to \(maxLength ?? bundle.model.config.maxPositionEmbeddings) tokens")
                for name in r.metrics.keys.sorted() where !name.hasSuffix("_stderr") {
                    let stderr = r.metrics[name + "_stderr"].map { String(format: " ± %.4f", $0) } ?? ""
                    print(Self.pad(name, 12) + String(format: "%.4f", r.metrics[name]!) + stderr)
                }
                print("time        \(String(format: "%.1f", r.seconds)) s, \(String(format: "%.1f", Double(r.count) / max(r.seconds, 1e-9))) items/s")
            }
        }
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
}

struct EvalReport: Encodable {
    let result: PerplexityResult
    let model: String
    let text: String
    let textTokens: Int
    let bos: Bool
    let protocolSummary: String
    let loadSeconds: Double
    let tokenizeSeconds: Double
    let precision: String

    enum CodingKeys: String, CodingKey {
        case model, text, textTokens = "text_tokens", bos, protocolSummary = "protocol", loadSeconds = "load_seconds"
        case tokenizeSeconds = "tokenize_seconds", precision
    }

    func encode(to encoder: Encoder) throws {
        try result.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(text, forKey: .text)
        try c.encode(textTokens, forKey: .textTokens)
        try c.encode(bos, forKey: .bos)
        try c.encode(protocolSummary, forKey: .protocolSummary)
        try c.encode(loadSeconds, forKey: .loadSeconds)
        try c.encode(tokenizeSeconds, forKey: .tokenizeSeconds)
        try c.encode(precision, forKey: .precision)
    }
}

enum JSONOutput {
    static func string<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
