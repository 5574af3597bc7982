import Foundation
import Llama
import Pruning
import Tensor

/// What least-squares reconstruction costs on top of a calibration: the Gram matrices' memory, the
/// layer-wise pass that accumulates them against the plain statistics pass, and one block's solve.
enum GramBench {
    struct Result {
        var perBlockMB: Double
        var allBlocksMB: Double
        var plainSeconds: Double
        var layerwiseSeconds: Double
        var solveSeconds: Double
    }

    static func measure(_ model: LlamaModel, tokens t: Int, windows n: Int) throws -> Result {
        let c = model.config
        var rng = SystemRandomNumberGenerator()
        let windows = (0..<n).map { _ in (0..<t).map { _ in Int32.random(in: 0..<Int32(c.vocabSize), using: &rng) } }
        let modules = Set((0..<c.numHiddenLayers).map { LinearModule(layer: $0, kind: .up) })
        let layers = Set(0..<c.numHiddenLayers)
        var start = Date()
        _ = CalibrationRun.statistics(model, windows: windows, modules: modules, neuronLayers: layers)
        let plain = Date().timeIntervalSince(start)
        var first: [Double] = []
        start = Date()
        _ = CalibrationRun.layerwise(model, windows: windows, modules: modules, neuronLayers: layers) { l, g in if l == 0 { first = g } }
        let layerwise = Date().timeIntervalSince(start)
        // One block's refit at 30 % of its neurons removed (the ridge keeps random-token Grams solvable).
        let f = c.intermediateSizes[0]
        let kept = Array(0..<(f - f * 3 / 10))
        start = Date()
        _ = try LeastSquaresReconstruction.refit(gram: first, down: model.weights.layers[0].down.matrix, rows: Array(0..<c.hiddenSize), kept: kept, ridge: 0.001)
        let solve = Date().timeIntervalSince(start)
        let bytes = c.intermediateSizes.map { Double($0 * $0 * 8) }
        return Result(perBlockMB: (bytes.max() ?? 0) / 1e6, allBlocksMB: bytes.reduce(0, +) / 1e6,
                      plainSeconds: plain, layerwiseSeconds: layerwise, solveSeconds: solve)
    }
}
