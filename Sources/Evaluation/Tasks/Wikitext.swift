import Foundation
import Llama
import Tokenizers

/// wikitext (wikitext-2-raw-v1 documents, test split): each page cleaned by lm-eval's detokenizer,
/// scored by rolling windows of the model's context length (`max_length`), and reported per word and
/// per byte of the original page.
public struct Wikitext: Evaluator {
    public static let task = "wikitext"
    public static let metrics = ["word_perplexity", "byte_perplexity", "bits_per_byte", "max_length"]
    public static let requiredFields = ["page"]
    public static let headline: String? = "word_perplexity"

    struct Document {
        var tokens: [Int32]
        var words: Int
        var bytes: Int
    }

    let documents: [Document]
    let maxLength: Int
    let prefixToken: Int32

    public init(setting: EvaluationSetting, data: Data, tokenizer: any Tokenizer) throws {
        let records = try TaskRecords(data, file: setting.text, limit: setting.limit)
        documents = try records.records.map { r in
            let page = try r.string("page")
            return Document(tokens: tokenizer.encode(Self.detokenize(page)), words: Self.words(page), bytes: page.utf8.count)
        }
        maxLength = setting.seqlen
        // lm-eval's prefix token: the tokenizer's BOS, else its end-of-text token.
        guard let prefix = tokenizer.bosID ?? tokenizer.eosID else {
            throw EvaluationError("\(setting.text): the tokenizer has no BOS or EOS token to start the first window with")
        }
        prefixToken = prefix
    }

    public static func check(_ record: TaskRecords.Record) throws { _ = try record.string("page") }

    /// `len(re.split(r"\s+", page))`: one more than the runs of whitespace.
    static func words(_ page: String) -> Int {
        var runs = 0, inRun = false
        for s in page.unicodeScalars {
            let space = LMEvalText.isPythonSpace(s)
            if space && !inRun { runs += 1 }
            inRun = space
        }
        return runs + 1
    }

    /// The rolling windows of one document's tokens, as `get_rolling_token_windows` (context_len 1) and
    /// `make_disjoint_window` make them: the first predicts up to N tokens after the prefix token; each
    /// later one predicts the next up to N tokens from the N tokens before them.
    static func windows(_ tokens: [Int32], maxLength n: Int, prefix: Int32) -> [LoglikelihoodRequest] {
        guard !tokens.isEmpty else { return [] }
        let first = min(n, tokens.count)
        var out = [LoglikelihoodRequest(context: [prefix], continuation: Array(tokens[..<first]))]
        var predicted = first
        while predicted < tokens.count {
            let k = min(tokens.count - predicted, n), end = predicted + k
            let input = Array(tokens[(end - n - 1)..<(end - 1)])
            out.append(LoglikelihoodRequest(context: Array(input[..<(input.count - (k - 1))]), continuation: Array(tokens[(end - k)..<end])))
            predicted = end
        }
        return out
    }

    public func evaluate(_ model: LlamaModel, progress: (@Sendable (Int, Int) -> Void)?) throws -> EvaluationResult {
        let start = DispatchTime.now()
        let n = maxLength > 0 ? maxLength : model.config.maxPositionEmbeddings
        var requests: [LoglikelihoodRequest] = [], owner: [Int] = []
        for (d, doc) in documents.enumerated() {
            let w = Self.windows(doc.tokens, maxLength: n, prefix: prefixToken)
            requests += w
            owner += Array(repeating: d, count: w.count)
        }
        // Short documents are packed into windows of 512 rows like other tasks (a long one goes alone): packing
        // them into one window of the model's whole context would make attention quadratic in the window.
        let scores = try Loglikelihood.score(model, requests, maxLength: n, progress: progress)
        var lls = [Double](repeating: 0, count: documents.count)
        for (i, s) in scores.enumerated() { lls[owner[i]] += s.logLikelihood }
        let total = lls.reduce(0, +)
        let words = Double(documents.reduce(0) { $0 + $1.words }), bytes = Double(documents.reduce(0) { $0 + $1.bytes })
        let metrics = ["word_perplexity": exp(-total / words), "byte_perplexity": exp(-total / bytes),
                       "bits_per_byte": -total / bytes / log(2), "max_length": Double(n)]
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return EvaluationResult(metrics: metrics, items: ["loglikelihood": lls, "words": documents.map { Double($0.words) },
                                                          "bytes": documents.map { Double($0.bytes) }],
                                count: documents.count, seconds: seconds)
    }

    /// lm-eval's `wikitext_detokenizer`, rule by rule and in its order.
    static func detokenize(_ page: String) -> String {
        var s = page.replacingOccurrences(of: "s '", with: "s'")
        s = slashQuoteDigit(s)
        for (a, b) in [(" @-@ ", "-"), (" @,@ ", ","), (" @.@ ", "."), (" : ", ": "), (" ; ", "; "), (" . ", ". "),
                       (" ! ", "! "), (" ? ", "? "), (" , ", ", ")] {
            s = s.replacingOccurrences(of: a, with: b)
        }
        for (open, close) in [("(", ")"), ("[", "]"), ("{", "}"), ("\"", "\""), ("'", "'")] as [(Unicode.Scalar, Unicode.Scalar)] {
            s = trimInside(s, open: open, close: close)
        }
        for (a, b) in [("= = = =", "===="), ("= = =", "==="), ("= =", "=="), (" \u{B0} ", "\u{B0}"), (" \n", "\n"), ("\n ", "\n"),
                       (" N ", " 1 "), (" 's", "'s")] {
            s = s.replacingOccurrences(of: a, with: b)
        }
        return s
    }

    /// `re.sub(r"/' [0-9]/", r"/'[0-9]/", s)`: the pattern and its replacement are literal text.
    static func slashQuoteDigit(_ s: String) -> String {
        let c = Array(s.unicodeScalars)
        var out = String.UnicodeScalarView(), i = 0
        while i < c.count {
            if i + 4 < c.count, c[i] == "/", c[i + 1] == "'", c[i + 2] == " ", ("0"..."9").contains(c[i + 3]), c[i + 4] == "/" {
                out.append(contentsOf: "/'[0-9]/".unicodeScalars)
                i += 5
            } else {
                out.append(c[i])
                i += 1
            }
        }
        return String(out)
    }

    /// `re.sub(r"\(\s*([^\)]*?)\s*\)", r"(\1)", s)` and its kin: from each opening mark to the next
    /// closing one, the whitespace at both ends of what lies between is removed.
    static func trimInside(_ s: String, open: Unicode.Scalar, close: Unicode.Scalar) -> String {
        let c = Array(s.unicodeScalars)
        var out = String.UnicodeScalarView(), i = 0
        while i < c.count {
            if c[i] == open, let end = c[(i + 1)...].firstIndex(of: close) {
                var a = i + 1, b = end
                while a < b && LMEvalText.isPythonSpace(c[a]) { a += 1 }
                while b > a && LMEvalText.isPythonSpace(c[b - 1]) { b -= 1 }
                out.append(open)
                out.append(contentsOf: c[a..<b])
                out.append(close)
                i = end + 1
            } else {
                out.append(c[i])
                i += 1
            }
        }
        return String(out)
    }
}
