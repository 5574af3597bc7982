import Llama
import Tensor

/// least_squares(ridge: 0.1, sequential: false): per pruned block, with H the calibration activations of
/// its dense neurons ([tokens, width]) and K the kept ones, refits the kept columns of down_proj so that
/// H_K W_Kᵀ best matches the dense FFN output H W_downᵀ:
///     W_Kᵀ = (G_KK + λI)⁻¹ G_K· W_downᵀ,  G = HᵀH,  λ = ridge · mean(diag G_KK),
/// solved by Cholesky (LAPACK dposv). The ridge keeps the solve well posed when kept neurons are nearly
/// collinear and pulls the refit toward zero rather than toward noise in the calibration data.
///
/// With `sequential: true` (as SparseGPT and ZipLM do), block l's activations come from the model whose
/// blocks before l are already pruned and refit, so each refit also corrects the drift the earlier ones
/// left; it costs two more passes over the calibration windows per pruned block and its Gram matrices
/// cannot be cached (they depend on the pruning). The default is the one-shot refit from the dense
/// calibration pass, whose Gram matrices are cached with the statistics and shared by every pruning of
/// the sweep.
public struct LeastSquaresReconstruction: Reconstructor {
    public static let name = "least_squares"
    public let ridge: Double
    public let sequential: Bool

    public var needs: ReconstructionNeeds { ReconstructionNeeds(grams: !sequential) }

    public init(_ parameters: inout ParameterReader) throws {
        ridge = try parameters.number("ridge", default: 0.1, in: 0...100)
        sequential = try parameters.bool("sequential", default: false)
    }

    /// The refit down_proj of one block: [rows.count, kept.count], from the dense down_proj `w`
    /// ([hidden, width]), the block's Gram matrix G ([width, width], row-major, symmetric), the dense
    /// rows (hidden channels) still written and the kept neurons.
    public static func refit(gram g: [Double], down w: Matrix, rows: [Int], kept: [Int], ridge: Double) throws -> Matrix {
        let f = w.columns, k = kept.count, n = rows.count
        precondition(g.count == f * f, "Gram matrix does not match down_proj's \(f) columns")
        guard k > 0, n > 0 else { return Matrix(rows: n, columns: k) }
        // A = G_KK + λI.
        var a = [Double](repeating: 0, count: k * k)
        var trace = 0.0
        for (i, p) in kept.enumerated() {
            for (j, q) in kept.enumerated() { a[i * k + j] = g[p * f + q] }
            trace += g[p * f + p]
        }
        let lambda = ridge * trace / Double(k)
        for i in 0..<k { a[i * k + i] += lambda }
        // B = W G_·K: row r holds Σ_q W[r, q] G[q, K_i], i.e. (G_K· W_downᵀ)ᵀ, which is dposv's
        // column-major [k, n] right-hand side.
        var gk = [Double](repeating: 0, count: k * f)
        for (i, p) in kept.enumerated() { for q in 0..<f { gk[i * f + q] = g[p * f + q] } }
        let wd = doubleRows(w, rows)
        var b = [Double](repeating: 0, count: n * k)
        wd.withUnsafeBufferPointer { pw in
            gk.withUnsafeBufferPointer { pg in
                b.withUnsafeMutableBufferPointer { pb in
                    BLAS.dgemmNT(m: n, n: k, k: f, a: pw.baseAddress!, lda: f, b: pg.baseAddress!, ldb: f, c: pb.baseAddress!, ldc: k)
                }
            }
        }
        do {
            try LAPACK.solveSPD(&a, n: k, &b, nrhs: n)
        } catch let e as LAPACK.NotPositiveDefinite {
            throw PruningError("least squares: the kept neurons' Gram matrix is singular (\(e)); give a ridge above 0")
        }
        return Matrix(rows: n, columns: k, values: b.map { Float($0) })
    }

    public func reconstruct(_ input: ReconstructionInput) throws -> LlamaModel {
        sequential ? try sequentialRefit(input) : try oneShot(input)
    }

    /// Every block from the dense pass's Gram matrices, one block's in memory at a time.
    func oneShot(_ input: ReconstructionInput) throws -> LlamaModel {
        var layers = input.pruned.weights.layers
        for l in layers.indices {
            guard let kept = input.keptNeurons(l), !kept.isEmpty else { continue }
            let f = input.dense.config.intermediateSizes[l]
            guard let g = input.grams?.gram(l, width: f) else {
                throw PruningError("the Gram matrix of block \(l) is missing from the statistics cache (damaged or removed); run again to recalibrate")
            }
            layers[l].down = try Self.refit(gram: g, down: input.dense.weights.layers[l].down, rows: input.keptChannels(l), kept: kept, ridge: ridge)
        }
        return input.pruned.replacingLayers(layers)
    }

    /// Block by block over the calibration windows: the dense block l observed on the stream of the
    /// already refit blocks gives G; then the refit block l advances the stream.
    func sequentialRefit(_ input: ReconstructionInput) throws -> LlamaModel {
        let dense = input.dense, windows = try input.windows()
        let workers = max(1, min(Parallel.cores, windows.count))
        let saved = BLAS.threads
        BLAS.threads = max(1, Parallel.cores / workers)
        defer { BLAS.threads = saved }
        let length = windows.map(\.count).max() ?? 1
        let states = (0..<workers).map { _ in dense.makeState(tokens: length) }
        let residuals = windows.map { dense.embedded($0) }
        var layers = input.pruned.weights.layers
        let counter = StepCounter(total: windows.count * layers.count, report: input.progress)
        for l in layers.indices {
            if let kept = input.keptNeurons(l), !kept.isEmpty {
                let f = dense.config.intermediateSizes[l]
                let sums = (0..<workers).map { _ in ActivationStatistics(modules: [], config: dense.config) }
                for s in sums { s.beginGram(l, width: f) }
                Parallel.workQueue(windows.count, threads: workers) { worker, w in
                    dense.block(l, residual: residuals[w], state: states[worker], statistics: sums[worker], keep: false)
                }
                var g = sums[0].takeGram(l)!
                for s in sums.dropFirst() {
                    let other = s.takeGram(l)!
                    for i in g.indices { g[i] += other[i] }
                }
                layers[l].down = try Self.refit(gram: g, down: dense.weights.layers[l].down, rows: input.keptChannels(l), kept: kept, ridge: ridge)
            }
            let current = input.pruned.replacingLayers(layers)
            Parallel.workQueue(windows.count, threads: workers) { worker, w in
                current.block(l, residual: residuals[w], state: states[worker])
                counter.step()
            }
        }
        return input.pruned.replacingLayers(layers)
    }
}
