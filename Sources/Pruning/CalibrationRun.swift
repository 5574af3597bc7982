import Evaluation
import Llama
import Tensor

/// One forward pass of the dense model over the calibration windows, recording the input and output
/// sums of squares of the chosen modules. Windows stream through one per core (no LM head is formed),
/// so memory does not grow with the number of samples.
public enum CalibrationRun {
    public static func statistics(_ model: LlamaModel, windows: [[Int32]], modules: Set<LinearModule>,
                                  progress: (@Sendable (Int, Int) -> Void)? = nil) -> CalibrationStatistics {
        let workers = max(1, min(Parallel.cores, windows.count))
        let saved = BLAS.threads
        BLAS.threads = max(1, Parallel.cores / workers)
        defer { BLAS.threads = saved }
        let length = windows.map(\.count).max() ?? 1
        let states = (0..<workers).map { _ in model.makeState(tokens: length) }
        let sums = (0..<workers).map { _ in ActivationStatistics(modules: modules, config: model.config) }
        let counter = StepCounter(total: windows.count, report: progress)
        Parallel.workQueue(windows.count, threads: workers) { worker, w in
            model.body(windows[w], state: states[worker], statistics: sums[worker])
            counter.step()
        }
        for s in sums.dropFirst() { sums[0].merge(s) }
        return CalibrationStatistics(sums[0])
    }
}

