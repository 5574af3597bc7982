import Foundation
import Llama
import Tensor

/// One scoring request as lm-eval's `loglikelihood` makes them: the log-probability of `continuation`
/// after `context` (token ids). The model is fed (context + continuation) without its last token,
/// cut from the left to `maxLength` tokens, and the last |continuation| positions are scored.
public struct LoglikelihoodRequest: Hashable, Sendable {
    public var context: [Int32]
    public var continuation: [Int32]

    public init(context: [Int32], continuation: [Int32]) {
        self.context = context
        self.continuation = continuation
    }
}

/// Σ log p(continuation token) and whether every continuation token was the model's most likely one.
public struct LoglikelihoodResult: Sendable, Equatable {
    public var logLikelihood: Double
    public var greedy: Bool
}

/// Scores many requests fast: requests with the same context share one pass over it (the choices of a
/// question branch off their common context), and short requests are packed together into windows of
/// about `window` tokens so that every product is a large GEMM. Windows run one per core.
public enum Loglikelihood {
    /// A context and the continuations that branch off it, laid out once.
    struct Tree {
        var context: [Int32]
        var requests: [Int]          // indices into the request list
        var tokens: Int              // rows it takes: the context plus each continuation but its last token
    }

    public static func score(_ model: LlamaModel, _ requests: [LoglikelihoodRequest], maxLength: Int, window: Int = 512,
                             progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [LoglikelihoodResult] {
        let vocab = model.config.vocabSize
        // The input each request feeds, cut from the left to maxLength, and the context part of it.
        var trees: [Tree] = []
        var treeOf: [[Int32]: Int] = [:]
        var feeds: [(context: [Int32], branch: [Int32], scored: [Int32])] = []
        for (i, r) in requests.enumerated() {
            guard !r.continuation.isEmpty else { throw EvaluationError("a request has an empty continuation") }
            guard !r.context.isEmpty else { throw EvaluationError("a request has an empty context (lm-eval feeds the prefix token then)") }
            if let bad = (r.context + r.continuation).first(where: { $0 < 0 || Int($0) >= vocab }) {
                throw EvaluationError("token id \(bad) is outside the model's vocabulary of \(vocab)")
            }
            var whole = r.context + r.continuation
            whole.removeLast()
            if whole.count > maxLength { whole.removeFirst(whole.count - maxLength) }
            guard whole.count >= r.continuation.count else {
                throw EvaluationError("a continuation of \(r.continuation.count) tokens does not fit the model's \(maxLength)")
            }
            // The scored positions are the last |continuation| of the input; the rows before the first
            // of them are the context every branch shares.
            let contextLength = whole.count - r.continuation.count + 1
            let context = Array(whole[0..<contextLength]), branch = Array(whole[contextLength...])
            feeds.append((context, branch, r.continuation))
            // A shared context saves its rows once per tree; a tree that would outgrow a window starts
            // afresh (rolling windows all share the one-token prefix: one tree would be one huge window).
            if let t = treeOf[context], trees[t].tokens + branch.count <= window {
                trees[t].requests.append(i)
                trees[t].tokens += branch.count
            } else {
                treeOf[context] = trees.count
                trees.append(Tree(context: context, requests: [i], tokens: context.count + branch.count))
            }
        }
        // Trees packed in order into windows of about `window` rows (a bigger tree alone in its own).
        var windows: [[Int]] = []
        var fill = 0
        for (t, tree) in trees.enumerated() {
            if windows.isEmpty || fill + tree.tokens > window {
                windows.append([t])
                fill = tree.tokens
            } else {
                windows[windows.count - 1].append(t)
                fill += tree.tokens
            }
        }
        let largest = windows.map { $0.reduce(0) { $0 + trees[$1].tokens } }.max() ?? 0
        let pool = WindowWorkers(model, windows: windows.count, tokens: largest)
        defer { pool.finish() }
        let workers = pool.count, states = pool.states
        let results = UnsafeMutableBufferPointer<LoglikelihoodResult>.allocate(capacity: requests.count)
        results.initialize(repeating: LoglikelihoodResult(logLikelihood: 0, greedy: true))
        defer { results.deallocate() }
        let out = UncheckedBox(results)
        let done = StepCounter(total: windows.count, report: progress)
        Parallel.workQueue(windows.count, threads: workers) { worker, w in
            var ids: [Int32] = []
            var layout = PackedLayout()
            var targets: [(row: Int, token: Int32)] = []
            var owner: [Int] = []   // the request of each target
            for t in windows[w] {
                let tree = trees[t]
                let context = layout.append(length: tree.context.count, position: 0)
                ids += tree.context
                for i in tree.requests {
                    let f = feeds[i]
                    let rows = layout.append(length: f.branch.count, position: tree.context.count, prefix: context)
                    ids += f.branch
                    // Token k of the continuation is predicted at the row before it: the context's last
                    // row for the first, the branch's rows for the rest.
                    for (k, token) in f.scored.enumerated() {
                        targets.append((row: k == 0 ? context.upperBound - 1 : rows.lowerBound + k - 1, token: token))
                        owner.append(i)
                    }
                }
            }
            let scores = model.targetLogProbabilities(ids, layout: layout, targets: targets, state: states[worker])
            // Summed in continuation order, as lm-eval sums them.
            for (j, s) in scores.enumerated() {
                out.value[owner[j]].logLikelihood += s.logProbability
                out.value[owner[j]].greedy = out.value[owner[j]].greedy && s.greedy
            }
            done.step()
        }
        return Array(results)
    }
}
