import Llama
import Tensor

/// `least_squares(sequential: true, attention: true)`: before block l's FFN is refit, its o_proj is fit
/// so that the pruned stream after attention, X_p + A W_oᵀ, comes as close as it can to the dense
/// model's, X_d + A_d W_dᵀ: with A the heads' outputs on the pruned stream ([tokens, query width]) and
/// target T = (X_d + A_d W_dᵀ) − X_p, W_oᵀ = (AᵀA + λI)⁻¹ (AᵀT + λW_dᵀ), λ = attention_ridge · mean(diag AᵀA),
/// no intercept.
/// On the dense stream (block 0) T = A W_dᵀ and the refit gives W_d back. The FFN refit then fits the
/// rest of the drift. Two more attention passes over the calibration windows per pruned block.
extension LeastSquaresReconstruction {
    func refitOutputProjection(_ l: Int, dense: LlamaModel, denseStream: [Matrix], prunedStream: [Matrix],
                               windows: [[Int32]], pool: WindowWorkers) throws -> Matrix {
        let d = dense.config.hiddenSize, width = dense.config.queryWidth(layer: l)
        let length = windows.map(\.count).max() ?? 1
        let parts = (0..<pool.count).map { _ in FeedbackSums(width: width, hidden: d, tokens: length) }
        Parallel.stripes(windows.count, threads: pool.count) { worker, w in
            let state = pool.states[worker], t = windows[w].count
            // The dense model's residual after block l's attention, from its own stream.
            let middle = Matrix(rows: t, columns: d)
            middle.pointer.update(from: denseStream[w].pointer, count: t * d)
            dense.attentionSubBlock(l, residual: middle, state: state)
            dense.observeAttention(l, residual: prunedStream[w], state: state) { heads, observedWidth in
                parts[worker].add(h: heads, width: observedWidth, postAttention: prunedStream[w], denseAfter: middle, tokens: t)
            }
        }
        let total = parts[0]
        for p in parts.dropFirst() { total.merge(p) }
        total.finishGram()
        // Right-hand sides [hidden, width]: row r holds Σ_t A_t,c · T_t,r for every head channel c.
        var rhs = [Double](repeating: 0, count: d * width)
        for r in 0..<d { for c in 0..<width { rhs[r * width + c] = total.cross[c * d + r] } }
        // The ridge pulls toward the dense o_proj, not toward zero, so a large attention_ridge leaves the
        // block's attention as it was.
        return try Self.solve(gram: total.gram, width: width, kept: Array(0..<width), ridge: attentionRidge,
                              toward: dense.weights.layers[l].o.matrix, sums: nil,
                              tokens: windows.reduce(0) { $0 + $1.count }, rhs: &rhs, outputs: d).down
    }
}
