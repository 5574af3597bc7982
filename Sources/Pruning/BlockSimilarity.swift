import Foundation
import Llama
import Tensor

/// How much each decoder block changes the residual stream, measured on the dense model over the
/// calibration tokens: per block, the mean over tokens of the cosine similarity between the hidden
/// state entering the block and the one leaving it, and the mean angular distance arccos(cos)/π.
/// What ShortGPT's Block Influence (arXiv 2403.03853) and Gromov et al.'s angular distance
/// (arXiv 2403.17887, for one block) are computed from.
public struct BlockSimilarity: Sendable, Equatable {
    /// Mean cosine similarity of block input and output, per block.
    public var cosine: [Double]
    /// Mean arccos(cosine)/π of block input and output, per block (in [0, 1]).
    public var angle: [Double]
    /// Σ over tokens of ‖x_l‖², the energy of the hidden state entering block l (what the mix scorer
    /// measures a unit's contribution against).
    public var inputEnergy: [Double] = []
    /// Σ over tokens of ‖x_{l+1} − x_l‖², the energy block l adds to the residual stream.
    public var updateEnergy: [Double] = []
    public var tokens: Int

    /// Runs the model block by block over every window (one window per core), comparing each token's
    /// hidden state before and after every block.
    public static func measure(_ model: LlamaModel, windows: [[Int32]], progress: (@Sendable (Int, Int) -> Void)? = nil) -> BlockSimilarity {
        let layers = model.config.numHiddenLayers
        let length = windows.map(\.count).max() ?? 1
        let pool = WindowWorkers(model, windows: windows.count, tokens: length)
        defer { pool.finish() }
        let states = pool.states
        let sums = SumsBox(windows: windows.count, layers: layers)
        let counter = StepCounter(total: windows.count, report: progress)
        Parallel.stripes(windows.count, threads: pool.count) { worker, w in
            let x = model.embedded(windows[w])
            let before = Matrix(rows: x.rows, columns: x.columns)
            var cos = [Double](repeating: 0, count: layers), ang = cos, input = cos, update = cos
            for l in 0..<layers {
                before.pointer.update(from: x.pointer, count: x.count)
                model.block(l, residual: x, state: states[worker])
                for t in 0..<x.rows {
                    let c = cosineSimilarity(before.row(t), x.row(t), count: x.columns)
                    cos[l] += c
                    ang[l] += acos(c) / Double.pi
                    let (a, b) = (before.row(t), x.row(t))
                    for i in 0..<x.columns {
                        let u = Double(a[i]), d = Double(b[i]) - u
                        input[l] += u * u
                        update[l] += d * d
                    }
                }
            }
            sums.set(w, [cos, ang, input, update])
            counter.step()
        }
        let tokens = windows.reduce(0) { $0 + $1.count }
        let n = Double(max(tokens, 1))
        // Summed in window order, so the totals do not depend on which worker ran which window.
        var total = [[Double]](repeating: [Double](repeating: 0, count: layers), count: 4)
        for w in 0..<windows.count {
            for k in 0..<4 { for l in 0..<layers { total[k][l] += sums.values[w][k][l] } }
        }
        return BlockSimilarity(cosine: total[0].map { $0 / n }, angle: total[1].map { $0 / n }, inputEnergy: total[2], updateEnergy: total[3],
                               tokens: tokens)
    }

    /// a·b / (‖a‖‖b‖) in Float64, clamped to [−1, 1]; 1 when either vector is zero (nothing changed).
    static func cosineSimilarity(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, count: Int) -> Double {
        var dot = 0.0, aa = 0.0, bb = 0.0
        for i in 0..<count {
            let x = Double(a[i]), y = Double(b[i])
            dot += x * y
            aa += x * x
            bb += y * y
        }
        guard aa > 0, bb > 0 else { return 1 }
        return min(1, max(-1, dot / (aa.squareRoot() * bb.squareRoot())))
    }

    /// Each window's per-block sums (cosine, angle, input energy, update energy).
    private final class SumsBox: @unchecked Sendable {
        var values: [[[Double]]]
        private let lock = NSLock()
        init(windows: Int, layers: Int) { values = Array(repeating: [], count: windows) }
        func set(_ w: Int, _ v: [[Double]]) {
            lock.lock()
            values[w] = v
            lock.unlock()
        }
    }
}
