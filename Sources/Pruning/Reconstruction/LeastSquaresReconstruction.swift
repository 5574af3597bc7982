import Llama
import Tensor

/// least_squares(ridge: 0.001, bias: true, sequential: false, target: model, reselect: false, attention: false,
/// attention_ridge: 1): per pruned block, with H the calibration
/// activations of its dense neurons ([tokens, width]) and K the kept ones, refits the kept columns of
/// down_proj so that H_K W_Kᵀ best matches the dense FFN output H W_downᵀ:
///     W_Kᵀ = (G_KK + λI)⁻¹ G_K· W_downᵀ,  G = HᵀH,  λ = ridge · mean(diag G_KK),
/// solved by Cholesky (LAPACK dposv). The ridge keeps the solve well posed when kept neurons are nearly
/// collinear; it pulls the refit toward zero, so it is kept small (0.1 costs SmolLM2 a third of the
/// gain at 30 %). With `bias`, the fit also has an intercept (a down_proj bias, not ridged): a constant
/// column of H, whose Gram entries are the neurons' sums and the token count, so the removed neurons'
/// mean contribution (FLAP's compensation) is fitted jointly with the kept columns.
///
/// With `sequential: true` (as SparseGPT and ZipLM do), block l's activations come from the model whose
/// blocks before l are already pruned and refit. `target: model` (ZipLM; `FeedbackRefit.swift`) fits
/// the dense model's residual stream after the block, so each refit also corrects the drift the earlier
/// ones left; `target: block` (SparseGPT) fits the dense block's output on the pruned stream. It costs
/// two or three more passes over the calibration windows per pruned block, and its sums cannot be
/// cached (they depend on the pruning). The default is the one-shot refit from the dense calibration
/// pass, whose Gram matrices are cached with the statistics and shared by every pruning of a sweep:
/// on SmolLM2 at 30 % the sequential refit gains 2 % of perplexity for 50 times the reconstruction time.
public struct LeastSquaresReconstruction: Reconstructor {
    public static let name = "least_squares"
    public let ridge: Double
    public let bias: Bool
    public let sequential: Bool
    /// For the sequential refit: `block` fits the dense block's output on the pruned stream (SparseGPT);
    /// `model` fits the dense model's residual stream after the block (ZipLM), correcting earlier drift.
    public let target: String
    /// With the sequential refit toward the dense model: choose block l's neurons again (as many as the
    /// pruner kept) by the greedy surgeon on the pruned stream's sums, against the same target (ZipLM).
    public let reselect: Bool
    /// With the sequential refit toward the dense model: refit o_proj of each pruned block first, so the
    /// residual after its attention comes as close as it can to the dense model's (`AttentionRefit.swift`).
    public let attention: Bool
    /// The o_proj refit's ridge, toward the dense o_proj (relative to the mean diagonal of its Gram matrix).
    public let attentionRidge: Double

    public var needs: ReconstructionNeeds { ReconstructionNeeds(grams: !sequential) }

    public init(_ parameters: inout ParameterReader) throws {
        ridge = try parameters.number("ridge", default: 0.001, in: 0...100)
        bias = try parameters.bool("bias", default: true)
        sequential = try parameters.bool("sequential", default: false)
        target = try parameters.word("target", default: "model", allowed: ["block", "model"])
        reselect = try parameters.bool("reselect", default: false)
        attention = try parameters.bool("attention", default: false)
        attentionRidge = try parameters.number("attention_ridge", default: 1, in: 0...1000)
        if attention && !(sequential && target == "model") {
            throw PruningError("least_squares(attention: true) refits o_proj toward the dense model's residual stream; it needs sequential: true and target: model")
        }
        if reselect && !(sequential && target == "model") {
            throw PruningError("least_squares(reselect: true) chooses each block's neurons on the pruned stream; it needs sequential: true and target: model")
        }
    }

    /// A block's refit: down_proj's kept columns, and the intercept per kept row when one was fitted.
    public struct Refit {
        public let down: Matrix
        public let bias: [Double]?
    }

    /// The refit down_proj of one block: [rows.count, kept.count], from the dense down_proj `w`
    /// ([hidden, width]), the block's Gram matrix G ([width, width], row-major, symmetric), the dense
    /// rows (hidden channels) still written and the kept neurons.
    /// With `sums` (Σ_t h_j over the `tokens` calibration tokens, every neuron) an intercept is fitted too.
    public static func refit(gram g: [Double], down w: Matrix, rows: [Int], kept: [Int], ridge: Double,
                             sums: [Double]? = nil, tokens: Int = 0) throws -> Refit {
        let f = w.columns, k = kept.count, n = rows.count
        precondition(g.count == f * f, "Gram matrix does not match down_proj's \(f) columns")
        precondition(sums == nil || sums!.count == f, "neuron sums do not match down_proj's \(f) columns")
        guard k > 0, n > 0 else { return Refit(down: Matrix(rows: n, columns: k), bias: nil) }
        let m = sums == nil ? k : k + 1
        // B = W G_·K: row r holds Σ_q W[r, q] G[q, K_i], i.e. (G_K· W_downᵀ)ᵀ, which is dposv's
        // column-major [m, n] right-hand side; for the intercept, Σ_q W[r, q] s_q.
        var gk = [Double](repeating: 0, count: k * f)
        for (i, p) in kept.enumerated() { for q in 0..<f { gk[i * f + q] = g[p * f + q] } }
        if let sums { for q in 0..<f { gk.append(sums[q]) } }
        let wd = doubleRows(w, rows)
        var b = [Double](repeating: 0, count: n * m)
        wd.withUnsafeBufferPointer { pw in
            gk.withUnsafeBufferPointer { pg in
                b.withUnsafeMutableBufferPointer { pb in
                    BLAS.dgemmNT(m: n, n: m, k: f, a: pw.baseAddress!, lda: f, b: pg.baseAddress!, ldb: f, c: pb.baseAddress!, ldc: m)
                }
            }
        }
        return try solve(gram: g, width: f, kept: kept, ridge: ridge, sums: sums, tokens: tokens, rhs: &b, outputs: n)
    }

    /// Solves the (bordered) normal equations for `outputs` right-hand sides already in `b`
    /// ([outputs, m] row-major, m = kept count plus one for the intercept when `sums` is given). The ridge
    /// pulls toward zero, or toward `prior`'s kept columns ([outputs, width]) when one is given.
    static func solve(gram g: [Double], width f: Int, kept: [Int], ridge: Double, toward prior: Matrix? = nil,
                      sums: [Double]?, tokens: Int, rhs b: inout [Double], outputs n: Int) throws -> Refit {
        let k = kept.count, m = sums == nil ? k : k + 1
        // A = G_KK + λI, bordered by the kept sums and the token count for the intercept.
        var a = [Double](repeating: 0, count: m * m)
        var trace = 0.0
        for (i, p) in kept.enumerated() {
            for (j, q) in kept.enumerated() { a[i * m + j] = g[p * f + q] }
            trace += g[p * f + p]
        }
        let lambda = ridge * trace / Double(k)
        for i in 0..<k { a[i * m + i] += lambda }
        if let prior {
            for r in 0..<n {
                let row = prior.row(r)
                for (i, p) in kept.enumerated() { b[r * m + i] += lambda * Double(row[p]) }
            }
        }
        if let sums {
            for (i, p) in kept.enumerated() {
                a[i * m + k] = sums[p]
                a[k * m + i] = sums[p]
            }
            a[k * m + k] = Double(tokens)
        }
        do {
            try LAPACK.solveSPD(&a, n: m, &b, nrhs: n)
        } catch let e as LAPACK.NotPositiveDefinite {
            throw PruningError("least squares: the kept neurons' Gram matrix is singular (\(e)); give a ridge above 0")
        }
        let down = Matrix(rows: n, columns: k)
        for r in 0..<n { for c in 0..<k { down.row(r)[c] = Float(b[r * m + c]) } }
        return Refit(down: down, bias: sums == nil ? nil : (0..<n).map { b[$0 * m + k] })
    }

    /// Puts a refit into a shrunk layer: its down_proj, and its intercept added to any bias the dense
    /// layer had (one value per hidden channel, zero where no row writes).
    static func apply(_ refit: Refit, to layer: inout LlamaLayer, dense: LlamaLayer, channels: [Int], hidden: Int) {
        layer.down = Weight(refit.down)
        guard let intercept = refit.bias else { return }
        var full = dense.downBias ?? [Float](repeating: 0, count: hidden)
        for (i, channel) in channels.enumerated() { full[channel] += Float(intercept[i]) }
        layer.downBias = full
    }

    public func reconstruct(_ input: ReconstructionInput) throws -> LlamaModel {
        guard sequential else { return try oneShot(input) }
        return target == "model" ? try feedbackRefit(input) : try sequentialRefit(input)
    }

    /// Every block from the dense pass's Gram matrices. Blocks are independent, so they are refit one
    /// per core with single-threaded LAPACK (OpenBLAS's threads spent a sixth of the time yielding on
    /// these n ≈ 1000 solves); one block's Gram per core is in memory at a time.
    func oneShot(_ input: ReconstructionInput) throws -> LlamaModel {
        var layers = input.pruned.weights.layers
        let blocks = layers.indices.filter { !(input.keptNeurons($0) ?? []).isEmpty }
        let workers = max(1, min(Parallel.cores, blocks.count))
        let saved = BLAS.threads
        BLAS.threads = BLAS.threads(beside: workers)
        defer { BLAS.threads = saved }
        let results = ResultSlots<Refit>(blocks.count)
        Parallel.workQueue(blocks.count, threads: workers) { _, i in
            results.set(i, Result { try refit(block: blocks[i], input) })
        }
        for (i, l) in blocks.enumerated() {
            Self.apply(try results.get(i), to: &layers[l], dense: input.dense.weights.layers[l], channels: input.keptChannels(l),
                       hidden: input.dense.config.hiddenSize)
        }
        return input.pruned.replacingLayers(layers)
    }

    /// Block `l`'s one-shot refit from its cached Gram matrix.
    private func refit(block l: Int, _ input: ReconstructionInput) throws -> Refit {
        let kept = input.keptNeurons(l) ?? []
        let f = input.dense.config.intermediateSizes[l]
        guard let g = input.grams?.gram(l, width: f) else {
            throw PruningError("the Gram matrix of block \(l) is missing from the statistics cache (damaged or removed); run again to recalibrate")
        }
        var sums: [Double]? = nil
        if bias {
            guard let n = input.statistics.neurons(layer: l) else { throw PruningError("least squares needs the FFN activation statistics of block \(l)") }
            sums = n.mean.map { $0 * Double(input.statistics.tokens) }
        }
        return try Self.refit(gram: g, down: input.dense.weights.layers[l].down.matrix, rows: input.keptChannels(l), kept: kept, ridge: ridge,
                              sums: sums, tokens: input.statistics.tokens)
    }

    /// Block by block over the calibration windows: the dense block l observed on the stream of the
    /// already refit blocks gives G; then the refit block l advances the stream.
    func sequentialRefit(_ input: ReconstructionInput) throws -> LlamaModel {
        let dense = input.dense, windows = try input.windows()
        let length = windows.map(\.count).max() ?? 1
        let pool = WindowWorkers(dense, windows: windows.count, tokens: length)
        defer { pool.finish() }
        let workers = pool.count, states = pool.states
        let residuals = windows.map { dense.embedded($0) }
        var layers = input.pruned.weights.layers
        let counter = StepCounter(total: windows.count * layers.count, report: input.progress)
        for l in layers.indices {
            if let kept = input.keptNeurons(l), !kept.isEmpty {
                let f = dense.config.intermediateSizes[l]
                let sums = (0..<workers).map { _ in ActivationStatistics(modules: [], config: dense.config) }
                for s in sums { s.beginGram(l, width: f) }
                Parallel.stripes(windows.count, threads: workers) { worker, w in
                    dense.block(l, residual: residuals[w], state: states[worker], statistics: sums[worker], keep: false)
                }
                var g = sums[0].takeGram(l)!
                var neuronSums = sums[0].neurons[l]!.sum
                for s in sums.dropFirst() {
                    let other = s.takeGram(l)!
                    for i in g.indices { g[i] += other[i] }
                    for (i, v) in s.neurons[l]!.sum.enumerated() { neuronSums[i] += v }
                }
                SymmetricMatrix.mirrorLower(&g, n: f)
                let channels = input.keptChannels(l)
                let refit = try Self.refit(gram: g, down: dense.weights.layers[l].down.matrix, rows: channels, kept: kept, ridge: ridge,
                                           sums: bias ? neuronSums : nil, tokens: windows.reduce(0) { $0 + $1.count })
                Self.apply(refit, to: &layers[l], dense: dense.weights.layers[l], channels: channels, hidden: dense.config.hiddenSize)
            }
            let current = input.pruned.replacingLayers(layers)
            Parallel.stripes(windows.count, threads: workers) { worker, w in
                current.block(l, residual: residuals[w], state: states[worker])
                counter.step()
            }
        }
        return input.pruned.replacingLayers(layers)
    }
}
