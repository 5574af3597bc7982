import Evaluation
import Llama
import Tensor

/// One forward pass of the dense model over the calibration windows, recording the input and output
/// sums of squares of the chosen modules. Windows stream through one per core (no LM head is formed),
/// so memory does not grow with the number of samples.
public enum CalibrationRun {
    public static func statistics(_ model: LlamaModel, windows: [[Int32]], modules: Set<LinearModule>, neuronLayers: Set<Int> = [],
                                  attentionLayers: Set<Int> = [], progress: (@Sendable (Int, Int) -> Void)? = nil) -> CalibrationStatistics {
        let length = windows.map(\.count).max() ?? 1
        let pool = WindowWorkers(model, windows: windows.count, tokens: length)
        defer { pool.finish() }
        let workers = pool.count, states = pool.states
        let sums = (0..<workers).map { _ in ActivationStatistics(modules: modules, config: model.config, neuronLayers: neuronLayers, attentionLayers: attentionLayers) }
        let counter = StepCounter(total: windows.count, report: progress)
        Parallel.stripes(windows.count, threads: workers) { worker, w in
            model.body(windows[w], state: states[worker], statistics: sums[worker])
            counter.step()
        }
        for s in sums.dropFirst() { sums[0].merge(s) }
        return CalibrationStatistics(sums[0])
    }
}


extension CalibrationRun {
    /// The same statistics as `statistics`, computed block by block: every window's residual stream is
    /// kept ([windows · tokens, hidden] Float32; 75 MB for 64 × 512 × 576), each block runs over all
    /// windows, and the Gram matrix HᵀH of its FFN activations is accumulated (Float32 per window,
    /// summed in Float64) and handed to `gram` before the next block starts, so one block's Gram is in
    /// memory at a time (one per worker thread while it runs).
    public static func layerwise(_ model: LlamaModel, windows: [[Int32]], modules: Set<LinearModule>, neuronLayers: Set<Int>,
                                 attentionLayers: Set<Int> = [], gram: (Int, [Double]) -> Void,
                                 progress: (@Sendable (Int, Int) -> Void)? = nil) -> CalibrationStatistics {
        let length = windows.map(\.count).max() ?? 1
        let pool = WindowWorkers(model, windows: windows.count, tokens: length)
        defer { pool.finish() }
        let workers = pool.count, states = pool.states
        let sums = (0..<workers).map { _ in ActivationStatistics(modules: modules, config: model.config, neuronLayers: neuronLayers, attentionLayers: attentionLayers) }
        let residuals = windows.map { model.embedded($0) }
        for w in windows { sums[0].countTokens(w.count) }
        let layers = model.config.numHiddenLayers
        let counter = StepCounter(total: windows.count * layers, report: progress)
        for l in 0..<layers {
            let wanted = neuronLayers.contains(l)
            if wanted { for s in sums { s.beginGram(l, width: model.config.intermediateSizes[l]) } }
            Parallel.stripes(windows.count, threads: workers) { worker, w in
                model.block(l, residual: residuals[w], state: states[worker], statistics: sums[worker])
                counter.step()
            }
            if wanted {
                var total = sums[0].takeGram(l)!
                for s in sums.dropFirst() {
                    let g = s.takeGram(l)!
                    for i in total.indices { total[i] += g[i] }
                }
                SymmetricMatrix.mirrorLower(&total, n: model.config.intermediateSizes[l])
                gram(l, total)
            }
        }
        for s in sums.dropFirst() { sums[0].merge(s) }
        return CalibrationStatistics(sums[0])
    }
}
