import Dispatch
import Evaluation
import Llama
import Pruning
import Tensor

/// The steps of one pruning run on a large model, each timed once (a model of a paper's size is too slow
/// to repeat): one calibration window, pruning 30 % (norm scorer, chained, local; shrunk), one evaluation
/// window, and the process's peak RSS after them. What `prune bench --scale` reports beside the load time.
enum ScaleBench {
    static func measure(_ model: LlamaModel, tokens t: Int, amount: Double = 0.3) throws -> [String: Double] {
        var generator = SystemRandomNumberGenerator()
        let vocab = Int32(model.config.vocabSize)
        let window = (0..<t).map { _ in Int32.random(in: 0..<vocab, using: &generator) }
        var out: [String: Double] = [:]
        func timed(_ key: String, _ body: () throws -> Void) rethrows {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            out[key] = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        }
        let modules = Set(try PruningStructure().resolve(model.config).joined())
        timed("scale_calibration_window_seconds") {
            _ = CalibrationRun.statistics(model, windows: [window], modules: modules)
        }
        var shrunk = model
        try timed("scale_prune_seconds") {
            shrunk = ApplyPruning.shrunk(model, removing: try ShrinkBench.rows(model, amount: amount))
        }
        timed("scale_evaluation_window_seconds") {
            _ = Perplexity.negativeLogLikelihood(shrunk, windows: [window])
        }
        out["scale_params_stored"] = Double(ParameterCount.stored(model))
        out["scale_shrunk_params_stored"] = Double(ParameterCount.stored(shrunk))
        return out
    }
}
