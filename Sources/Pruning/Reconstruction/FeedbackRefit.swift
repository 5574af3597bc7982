import Llama
import Tensor

/// The sequential refit with the dense model's residual stream as the target (ZipLM's inputs from the
/// compressed model, outputs from the uncompressed one): block l's kept neurons, computed on the stream of
/// the already refit blocks before it, are fit so that the residual after block l comes as close as
/// they can bring it to the dense model's, i.e. the target is T = X_dense,l+1 − P with P the pruned
/// stream after block l's attention. This corrects the drift earlier blocks left, not only block l's own
/// loss. Three block passes per pruned block: the dense model on its stream, the dense block's
/// activations on the pruned stream, and the refit block to advance it.
extension LeastSquaresReconstruction {
    func feedbackRefit(_ input: ReconstructionInput) throws -> LlamaModel {
        let dense = input.dense, windows = try input.windows()
        let length = windows.map(\.count).max() ?? 1
        let d = dense.config.hiddenSize
        let pool = WindowWorkers(dense, windows: windows.count, tokens: length)
        defer { pool.finish() }
        let workers = pool.count, states = pool.states
        let denseStream = windows.map { dense.embedded($0) }
        let prunedStream = windows.map { dense.embedded($0) }
        let tokens = windows.reduce(0) { $0 + $1.count }
        var layers = input.pruned.weights.layers
        let counter = StepCounter(total: windows.count * layers.count, report: input.progress)
        for l in layers.indices {
            var kept = input.keptNeurons(l) ?? []
            if !kept.isEmpty {
                // The model whose block l the FFN sums see: dense, but for a refit o_proj.
                var observed = dense
                if attention {
                    layers[l].o = Weight(try refitOutputProjection(l, dense: dense, denseStream: denseStream, prunedStream: prunedStream,
                                                            windows: windows, pool: pool))
                    var denseLayers = dense.weights.layers
                    denseLayers[l].o = layers[l].o
                    observed = dense.replacingLayers(denseLayers)
                }
                let f = dense.config.intermediateSizes[l]
                let parts = (0..<workers).map { _ in FeedbackSums(width: f, hidden: d, tokens: length) }
                Parallel.stripes(windows.count, threads: workers) { worker, w in
                    let part = parts[worker], t = windows[w].count
                    // The dense model's residual after block l, then the pruned stream's activations.
                    dense.block(l, residual: denseStream[w], state: states[worker])
                    observed.observeFeedForward(l, residual: prunedStream[w], state: states[worker]) { post, h, width in
                        part.add(h: h, width: width, postAttention: post, denseAfter: denseStream[w], tokens: t)
                    }
                }
                let total = parts[0]
                for p in parts.dropFirst() { total.merge(p) }
                total.finishGram()
                let channels = input.keptChannels(l)
                if reselect {
                    kept = try chooseAgain(count: kept.count, sums: total, tokens: tokens, hidden: d)
                    layers[l].gate = dense.weights.layers[l].gate.selectingRows(kept)
                    layers[l].up = dense.weights.layers[l].up.selectingRows(kept)
                    input.reselected.set(l, kept)
                }
                // Right-hand sides, [channels, m]: Σ_t h_K,t · T_t,r, and Σ_t T_t,r for the intercept.
                let m = bias ? kept.count + 1 : kept.count
                var rhs = [Double](repeating: 0, count: channels.count * m)
                for (r, channel) in channels.enumerated() {
                    for (i, p) in kept.enumerated() { rhs[r * m + i] = total.cross[p * d + channel] }
                    if bias { rhs[r * m + kept.count] = total.targetSums[channel] }
                }
                let refit = try Self.solve(gram: total.gram, width: f, kept: kept, ridge: ridge, sums: bias ? total.sums : nil,
                                           tokens: tokens, rhs: &rhs, outputs: channels.count)
                layers[l].down = Weight(refit.down)
                // The target already holds the dense block's own bias, so the intercept replaces it.
                if let intercept = refit.bias {
                    var full = [Float](repeating: 0, count: d)
                    for (i, channel) in channels.enumerated() { full[channel] = Float(intercept[i]) }
                    layers[l].downBias = full
                }
            } else {
                Parallel.stripes(windows.count, threads: workers) { worker, w in
                    dense.block(l, residual: denseStream[w], state: states[worker])
                }
            }
            let current = input.pruned.replacingLayers(layers)
            Parallel.stripes(windows.count, threads: workers) { worker, w in
                current.block(l, residual: prunedStream[w], state: states[worker])
                counter.step()
            }
        }
        return input.pruned.replacingLayers(layers)
    }
}

extension LeastSquaresReconstruction {
    /// The `count` neurons the greedy surgeon keeps last when it fits this block's target from its
    /// activations on the pruned stream (ascending).
    func chooseAgain(count: Int, sums s: FeedbackSums, tokens: Int, hidden d: Int) throws -> [Int] {
        let f = s.width, m0 = f + 1
        var product = [Double](repeating: 0, count: d * m0)
        for r in 0..<d {
            product[r * m0] = s.targetSums[r]
            for j in 0..<f { product[r * m0 + 1 + j] = s.cross[j * d + r] }
        }
        let scores = try GreedySurgeon.scores(gram: s.gram, sums: s.sums, tokens: tokens, crossProducts: product, outputs: d, ridge: ridge)
        return Array((0..<f).sorted { scores[$0] > scores[$1] }.prefix(count)).sorted()
    }
}

/// One worker's sums for a feedback refit of one block: G = HᵀH, the cross products HᵀT with the
/// target T, and the column sums of H and T, in Float64 (each window's products in Float32 first).
final class FeedbackSums: @unchecked Sendable {
    let width: Int, hidden: Int
    var gram: [Double], cross: [Double], sums: [Double], targetSums: [Double]
    private var gramScratch: [Float], crossScratch: [Float], target: Matrix

    init(width: Int, hidden: Int, tokens: Int) {
        self.width = width
        self.hidden = hidden
        gram = .init(repeating: 0, count: width * width)
        cross = .init(repeating: 0, count: width * hidden)
        sums = .init(repeating: 0, count: width)
        targetSums = .init(repeating: 0, count: hidden)
        gramScratch = .init(repeating: 0, count: width * width)
        crossScratch = .init(repeating: 0, count: width * hidden)
        target = Matrix(rows: tokens, columns: hidden)
    }

    func add(h: Matrix, width f: Int, postAttention: Matrix, denseAfter: Matrix, tokens t: Int) {
        precondition(f == width, "activation width changed")
        let d = hidden
        for i in 0..<t {
            let dst = target.row(i), a = denseAfter.row(i), p = postAttention.row(i)
            for c in 0..<d {
                dst[c] = a[c] - p[c]
                targetSums[c] += Double(dst[c])
            }
            let row = h.row(i)
            for j in 0..<f { sums[j] += Double(row[j]) }
        }
        BLAS.addGramLower(rows: t, columns: f, a: h.pointer, lda: h.columns, scratch: &gramScratch, into: &gram)
        crossScratch.withUnsafeMutableBufferPointer { c in
            BLAS.gemmTN(m: f, n: d, k: t, a: h.pointer, lda: h.columns, b: target.pointer, ldb: d, c: c.baseAddress!, ldc: d)
            cross.withUnsafeMutableBufferPointer { x in for i in 0..<(f * d) { x[i] += Double(c[i]) } }
        }
    }

    func merge(_ other: FeedbackSums) {
        for i in gram.indices { gram[i] += other.gram[i] }
        for i in cross.indices { cross[i] += other.cross[i] }
        for i in sums.indices { sums[i] += other.sums[i] }
        for i in targetSums.indices { targetSums[i] += other.targetSums[i] }
    }

    /// Fills the upper triangle from the lower one.
    func finishGram() {
        SymmetricMatrix.mirrorLower(&gram, n: width)
    }
}
