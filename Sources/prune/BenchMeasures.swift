import Dispatch
import Evaluation
import Foundation
import Llama
import Pruning
import Tensor

/// GEMM speed on exactly the products one forward pass makes: each linear layer as x Wᵀ with `tokens`
/// rows, plus the LM head, through one library. Measured two ways on all cores (one call using every
/// thread, and one single-threaded call per core side by side); the faster is that library's ceiling.
enum GemmBench {
    /// OpenBLAS's sgemm, oneDNN's matmul in Float32 (weights as stored, and packed into its blocked
    /// layout once, as the forward pass holds them), and oneDNN's with bfloat16 inputs (Float32 output).
    enum Library: String, CaseIterable {
        case sgemm, oneDNNf32 = "onednn_f32", oneDNNf32Packed = "onednn_f32_packed", oneDNNbf16 = "onednn_bf16"
    }

    struct Result {
        let gflops: Double
        let sharedCall: Double
        let perCore: Double
    }

    /// The products of one block (q, k, v, o, gate, up, down) as (n, k) with `tokens` rows each.
    static func layerShapes(_ c: LlamaConfig) -> [(n: Int, k: Int)] {
        let f = c.intermediateSizes.first ?? 0
        return [(c.queryWidth, c.hiddenSize), (c.keyValueWidth, c.hiddenSize), (c.keyValueWidth, c.hiddenSize),
                (c.hiddenSize, c.queryWidth), (f, c.hiddenSize), (f, c.hiddenSize), (c.hiddenSize, f)]
    }

    /// GFLOP/s over a forward pass's mix: the block's products `layers` times, the LM head once.
    static func measure(_ library: Library, config c: LlamaConfig, tokens m: Int) -> Result {
        let layer = layerShapes(c), head = [(n: c.vocabSize, k: c.hiddenSize)]
        let layers = Double(c.numHiddenLayers)
        let flops = { (list: [(n: Int, k: Int)]) in list.reduce(0.0) { $0 + 2 * Double(m) * Double($1.n) * Double($1.k) } }
        let total = layers * flops(layer) + flops(head)
        let cores = Parallel.cores
        let all = layer + head
        // Dense operands per shape (row strides = widths), as the forward pass's buffers are: oneDNN's
        // fastest (brgemm) kernels refuse strided sources and destinations.
        let a = (0..<cores).map { _ in all.map { Matrix.random(rows: m, columns: $0.k) } }
        let b = all.map { Matrix.random(rows: $0.n, columns: $0.k) }
        func rounded(_ x: Matrix) -> HalfStorage {
            let out = HalfStorage(count: x.count)
            BFloat16.convert(x.pointer, out.pointer, count: x.count)
            return out
        }
        let a16 = library == .oneDNNbf16 ? a.map { $0.map(rounded) } : []
        let b16 = library == .oneDNNbf16 ? b.map(rounded) : []
        let packed = library == .oneDNNf32Packed ? zip(all, b).map { shape, w in
            OneDNN.PackedWeights(b: w.pointer, n: shape.n, k: shape.k, ldb: shape.k, owner: w.storage, rows: m)
        } : []
        let out = (0..<cores).map { _ in all.map { Matrix(rows: m, columns: $0.n) } }

        func pass(_ worker: Int, _ range: Range<Int>) {
            for i in range {
                let n = all[i].n, k = all[i].k, c = out[worker][i].pointer
                switch library {
                case .sgemm:
                    BLAS.gemmNT(m: m, n: n, k: k, a: a[worker][i].pointer, lda: k, b: b[i].pointer, ldb: k, c: c, ldc: n)
                case .oneDNNf32:
                    OneDNN.gemmNT(m: m, n: n, k: k, a: a[worker][i].pointer, lda: k, b: b[i].pointer, ldb: k, c: c, ldc: n)
                case .oneDNNf32Packed:
                    if let w = packed[i] {
                        OneDNN.gemmNT(m: m, a: a[worker][i].pointer, lda: k, packed: w, c: c, ldc: n)
                    } else {
                        OneDNN.gemmNT(m: m, n: n, k: k, a: a[worker][i].pointer, lda: k, b: b[i].pointer, ldb: k, c: c, ldc: n)
                    }
                case .oneDNNbf16:
                    OneDNN.gemmNT(m: m, n: n, k: k, a: a16[worker][i].pointer, lda: k, b: b16[i].pointer, ldb: k, c: c, ldc: n)
                }
            }
        }
        let layerRange = 0..<layer.count, headRange = layer.count..<all.count
        let saved = BLAS.threads
        defer { BLAS.threads = saved }

        // One call at a time, the library spreading it over every core.
        BLAS.threads = cores
        pass(0, 0..<all.count)
        let sharedTime = layers * best(of: 5) { pass(0, layerRange) } + best(of: 3) { pass(0, headRange) }
        // One single-threaded call per core at once, as the forward pass runs.
        BLAS.threads = 1
        Parallel.forEach(cores) { pass($0, 0..<all.count) }
        let perCoreTime = layers * best(of: 5) { Parallel.forEach(cores) { pass($0, layerRange) } }
            + best(of: 3) { Parallel.forEach(cores) { pass($0, headRange) } }
        let sharedGF = total / sharedTime / 1e9, perCoreGF = Double(cores) * total / perCoreTime / 1e9
        return Result(gflops: max(sharedGF, perCoreGF), sharedCall: sharedGF, perCore: perCoreGF)
    }

    static func best(of n: Int, _ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<n {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        return best
    }
}

/// Forward passes over random windows: tokens/s, and GFLOP/s counting the floating-point work the
/// pass does (every linear layer, the causal attention products as computed, the LM head).
enum ForwardBench {
    struct Result {
        let seconds: Double
        let tokensPerSecond: Double
        let gflops: Double
    }

    static func measure(_ model: LlamaModel, tokens t: Int, windows: Int) -> Result {
        var generator = SystemRandomNumberGenerator()
        let vocab = Int32(model.config.vocabSize)
        let batch = (0..<windows).map { _ in (0..<t).map { _ in Int32.random(in: 0..<vocab, using: &generator) } }
        _ = Perplexity.negativeLogLikelihood(model, windows: Array(batch.prefix(min(windows, Parallel.cores))))
        // Best of four, as the GEMM figures are bests of several: on a shared machine a single pass
        // measures the neighbours as much as the code, and the ratio of the two needs the same footing.
        let seconds = GemmBench.best(of: 4) { _ = Perplexity.negativeLogLikelihood(model, windows: batch) }
        let flops = Double(windows) * flopsPerWindow(model, tokens: t)
        return Result(seconds: seconds, tokensPerSecond: Double(windows * t) / seconds, gflops: flops / seconds / 1e9)
    }

    static func flopsPerWindow(_ model: LlamaModel, tokens t: Int) -> Double {
        let c = model.config
        var linear = 0.0
        for layer in model.weights.layers {
            for m in [layer.q, layer.k, layer.v, layer.o, layer.gate, layer.up, layer.down] {
                linear += 2 * Double(t) * Double(m.rows) * Double(m.columns)
            }
        }
        // Attention: per head and query block, scores (rows × keys × d) and values (rows × keys × d).
        var attention = 0.0
        var q0 = 0
        while q0 < t {
            let rows = min(RunState.attentionBlock, t - q0), keys = q0 + rows
            attention += 2 * 2 * Double(rows) * Double(keys) * Double(c.headDim)
            q0 += rows
        }
        attention *= Double(c.numAttentionHeads * c.numHiddenLayers)
        let head = 2 * Double(t - 1) * Double(c.vocabSize) * Double(c.hiddenSize)
        return linear + attention + head
    }
}

extension Matrix {
    static func random(rows: Int, columns: Int) -> Matrix {
        let m = Matrix(rows: rows, columns: columns)
        for i in 0..<m.count { m.pointer[i] = Float.random(in: -1...1) }
        return m
    }
}

/// The rows a norm-scored, chained, local pruning removes from the FFN chain at `amount`.
enum ShrinkBench {
    static func rows(_ model: LlamaModel, amount: Double) throws -> [LinearModule: [Int]] {
        let mlps = Pipeline.chained.mlps(try PruningStructure().resolve(model.config))
        let importances = try LLMRank.importances(model: model, statistics: nil, mlps: mlps,
                                                  scorer: ScorerRegistry.make(ComponentSpec(name: "norm")))
        return try LLMRank.rowsToPrune(importances: importances, mlps: mlps,
                                       pruner: PrunerRegistry.make(ComponentSpec(name: "local")), amount: amount)
    }
}
