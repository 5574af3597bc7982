import Foundation
import Llama
import Tensor

/// Perplexity under one stated protocol: the text tokenized once, cut into non-overlapping windows of
/// `seqlen` tokens (the partial tail dropped), each window an independent sequence, every position but
/// the first of each window predicted; ppl = exp(Σ NLL / predicted positions), NLL summed in Float64.
public struct PerplexityProtocol: Sendable, Codable, Equatable {
    public var seqlen: Int
    /// Evaluate only the first N windows (nil: all).
    public var maxWindows: Int?

    public init(seqlen: Int = 512, maxWindows: Int? = nil) {
        self.seqlen = seqlen
        self.maxWindows = maxWindows
    }

    public var summary: String {
        let cap = maxWindows.map { "first \($0) windows" } ?? "all windows"
        return "non-overlapping windows of \(seqlen) tokens, tail dropped, \(cap), positions 1..\(seqlen - 1) of each window scored"
    }

    /// The windows of `ids` this protocol evaluates, or an error naming what is wrong.
    public func windows(of ids: [Int32]) throws -> [[Int32]] {
        guard seqlen >= 2 else { throw EvaluationError("seqlen must be at least 2 (got \(seqlen))") }
        if let m = maxWindows, m < 1 { throw EvaluationError("max windows must be at least 1 (got \(m))") }
        let available = ids.count / seqlen
        guard available >= 1 else {
            throw EvaluationError("the text has \(ids.count) tokens, fewer than one window of \(seqlen)")
        }
        let n = min(available, maxWindows ?? available)
        return (0..<n).map { Array(ids[$0 * seqlen..<($0 + 1) * seqlen]) }
    }
}

public struct EvaluationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

public struct PerplexityResult: Sendable, Codable, Equatable {
    public var ppl: Double
    public var meanNLL: Double
    public var windows: Int
    public var predictedTokens: Int
    public var seqlen: Int
    public var seconds: Double
    public var tokensPerSecond: Double

    public init(ppl: Double, meanNLL: Double, windows: Int, predictedTokens: Int, seqlen: Int, seconds: Double, tokensPerSecond: Double) {
        self.ppl = ppl
        self.meanNLL = meanNLL
        self.windows = windows
        self.predictedTokens = predictedTokens
        self.seqlen = seqlen
        self.seconds = seconds
        self.tokensPerSecond = tokensPerSecond
    }

    enum CodingKeys: String, CodingKey {
        case ppl, meanNLL = "mean_nll", windows, predictedTokens = "predicted_tokens", seqlen, seconds
        case tokensPerSecond = "tokens_per_second"
    }
}

public enum Perplexity {
    /// Evaluates `model` on the windows of `ids`. Windows run in parallel, one per core, each with
    /// single-threaded BLAS; `progress(done, total)` is called after each window.
    public static func evaluate(_ model: LlamaModel, ids: [Int32], protocol p: PerplexityProtocol,
                                progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> PerplexityResult {
        let windows = try p.windows(of: ids)
        let start = DispatchTime.now()
        let (nll, count) = negativeLogLikelihood(model, windows: windows, progress: progress)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let mean = nll / Double(count)
        return PerplexityResult(ppl: exp(mean), meanNLL: mean, windows: windows.count, predictedTokens: count,
                                seqlen: p.seqlen, seconds: seconds,
                                tokensPerSecond: Double(windows.count * p.seqlen) / seconds)
    }

    /// Σ NLL and the number of predicted positions over `windows`.
    public static func negativeLogLikelihood(_ model: LlamaModel, windows: [[Int32]],
                                             progress: (@Sendable (Int, Int) -> Void)? = nil) -> (Double, Int) {
        // Summed in window order, so the total does not depend on thread timing.
        windowNLLs(model, windows: windows, progress: progress).reduce((0.0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
    }

    /// Each window's NLL and predicted positions, in window order.
    public static func windowNLLs(_ model: LlamaModel, windows: [[Int32]],
                                  progress: (@Sendable (Int, Int) -> Void)? = nil) -> [(Double, Int)] {
        let length = windows.map(\.count).max() ?? 0
        let pool = WindowWorkers(model, windows: windows.count, tokens: length)
        defer { pool.finish() }
        let workers = pool.count, states = pool.states
        let results = UnsafeMutableBufferPointer<(Double, Int)>.allocate(capacity: windows.count)
        results.initialize(repeating: (0, 0))
        defer { results.deallocate() }
        let done = StepCounter(total: windows.count, report: progress)
        let out = UncheckedBox(results)
        Parallel.workQueue(windows.count, threads: workers) { worker, w in
            out.value[w] = model.windowNLL(windows[w], state: states[worker])
            done.step()
        }
        return Array(results)
    }
}

