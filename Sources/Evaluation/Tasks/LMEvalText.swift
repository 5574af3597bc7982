import Foundation
import Tokenizers

/// How lm-eval turns strings into token requests and counts them, reproduced exactly.
enum LMEvalText {
    /// `TemplateLM._encode_pair`: the context's trailing whitespace moves to the front of the
    /// continuation; the continuation's tokens are those of context + continuation after the context's
    /// own tokens (not the continuation encoded alone).
    static func encodePair(_ context: String, _ continuation: String, tokenizer: any Tokenizer) -> LoglikelihoodRequest {
        var context = context, continuation = continuation
        let trailing = context.unicodeScalars.reversed().prefix { isPythonSpace($0) }.count
        if trailing > 0 {
            let scalars = Array(context.unicodeScalars)
            continuation = String(String.UnicodeScalarView(scalars[(scalars.count - trailing)...])) + continuation
            context = String(String.UnicodeScalarView(scalars[..<(scalars.count - trailing)]))
        }
        let whole = tokenizer.encode(context + continuation)
        let contextIDs = tokenizer.encode(context)
        return LoglikelihoodRequest(context: contextIDs, continuation: Array(whole.dropFirst(contextIDs.count)))
    }

    /// Python's `str.isspace()` (and the `\s` of its `re` on str patterns): the Unicode White_Space
    /// characters and the four information separators U+001C...U+001F.
    static func isPythonSpace(_ s: Unicode.Scalar) -> Bool {
        s.properties.isWhitespace || (0x1C...0x1F).contains(s.value)
    }

    /// Python's `len(s)`: code points, not grapheme clusters (lm-eval's acc_norm divides by it).
    static func length(_ s: String) -> Int { s.unicodeScalars.count }

    /// `text.strip()`.
    static func strip(_ s: String) -> String {
        let scalars = Array(s.unicodeScalars)
        guard let first = scalars.firstIndex(where: { !isPythonSpace($0) }), let last = scalars.lastIndex(where: { !isPythonSpace($0) }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}

/// lm-eval's aggregate statistics.
enum LMEvalStatistics {
    /// `mean`: Python's sequential sum over the count.
    static func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }

    /// `sample_stddev`: divisor n − 1.
    static func sampleStandardDeviation(_ xs: [Double]) -> Double {
        let mu = mean(xs)
        return (xs.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(xs.count - 1)).squareRoot()
    }

    /// `mean_stderr`: the sample standard deviation over √n (nil for one item, where lm-eval says N/A).
    static func meanStandardError(_ xs: [Double]) -> Double? {
        xs.count > 1 ? sampleStandardDeviation(xs) / Double(xs.count).squareRoot() : nil
    }

    /// `bootstrap_stderr(f, xs, iters)`: `iters / 1000` chunks of 1000 resamples, chunk i drawn with
    /// `random.Random(i).choices(xs, k=len(xs))`, and the sample standard deviation of f over them all.
    static func bootstrapStandardError(_ xs: [Double], iterations: Int = 100_000, _ f: ([Double]) -> Double) -> Double {
        let chunk = min(1000, iterations), n = xs.count
        var values: [Double] = []
        values.reserveCapacity(iterations)
        var sample = [Double](repeating: 0, count: n)
        for i in 0..<(iterations / chunk) {
            var rng = PythonRandom(seed: UInt64(i))
            for _ in 0..<chunk {
                // choices(): population[floor(random() * n)] for each draw.
                for k in 0..<n { sample[k] = xs[Int(rng.random() * Double(n))] }
                values.append(f(sample))
            }
        }
        return sampleStandardDeviation(values)
    }
}
