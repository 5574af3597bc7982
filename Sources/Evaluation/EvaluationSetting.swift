import Foundation

/// What a cell measures on its model: `evaluate perplexity "text" seqlen 512 windows 12`, or an
/// lm-eval task on a JSON Lines file, `evaluate hellaswag "hellaswag.jsonl" limit 500`.
public struct EvaluationSetting: Hashable, Codable, Sendable {
    /// `perplexity`, or a task's name as lm-eval spells it (`hellaswag`, `arc_easy`, `wikitext`, ...).
    public var task: String
    /// The data file: a text for perplexity, the task's records as JSON Lines otherwise.
    public var text: String
    /// Perplexity: tokens per window. Rolling tasks (wikitext): the model's context length, lm-eval's
    /// `max_length`. Unused by the others.
    public var seqlen: Int
    /// Perplexity: only the first N windows.
    public var windows: Int?
    /// Tasks: only the first N records.
    public var limit: Int?

    public init(task: String = "perplexity", text: String, seqlen: Int = 512, windows: Int? = nil, limit: Int? = nil) {
        self.task = task
        self.text = text
        self.seqlen = seqlen
        self.windows = windows
        self.limit = limit
    }

    public var isPerplexity: Bool { task == "perplexity" }

    public var perplexityProtocol: PerplexityProtocol { PerplexityProtocol(seqlen: seqlen, maxWindows: windows) }

    enum CodingKeys: String, CodingKey { case task, text, seqlen, windows, limit }

    // Records written before tasks existed hold perplexity settings without a task.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        task = try c.decodeIfPresent(String.self, forKey: .task) ?? "perplexity"
        text = try c.decode(String.self, forKey: .text)
        seqlen = try c.decode(Int.self, forKey: .seqlen)
        windows = try c.decodeIfPresent(Int.self, forKey: .windows)
        limit = try c.decodeIfPresent(Int.self, forKey: .limit)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if !isPerplexity { try c.encode(task, forKey: .task) }
        try c.encode(text, forKey: .text)
        try c.encode(seqlen, forKey: .seqlen)
        try c.encodeIfPresent(windows, forKey: .windows)
        try c.encodeIfPresent(limit, forKey: .limit)
    }
}

extension EvaluationSetting {
    /// `eval.txt seqlen 512 windows 12`, `hellaswag hellaswag.jsonl limit 500`.
    public var summary: String {
        guard isPerplexity else {
            return "\(task) \(URL(fileURLWithPath: text).lastPathComponent)" + (limit.map { " limit \($0)" } ?? "") + (task == "wikitext" ? " max_length \(seqlen)" : "")
        }
        return "\(URL(fileURLWithPath: text).lastPathComponent) seqlen \(seqlen)" + (windows.map { " windows \($0)" } ?? " all windows")
    }
}
