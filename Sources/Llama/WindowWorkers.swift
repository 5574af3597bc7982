import Tensor

/// The set-up every pass that streams windows one per core shares (calibration, refits, perplexity, task
/// scoring): a worker per core, never more than there are windows, each with its own run state, and BLAS
/// single-threaded inside each worker while all cores are busy. `finish()` (in a `defer`) restores BLAS's
/// thread count.
public struct WindowWorkers {
    public let count: Int
    public let states: [RunState]
    private let savedThreads: Int

    /// Workers for `windows` windows of at most `tokens` tokens each.
    public init(_ model: LlamaModel, windows: Int, tokens: Int) {
        count = max(1, min(Parallel.cores, windows))
        savedThreads = BLAS.threads
        BLAS.threads = BLAS.threads(beside: count)
        states = (0..<count).map { _ in model.makeState(tokens: tokens) }
    }

    public func finish() { BLAS.threads = savedThreads }
}
