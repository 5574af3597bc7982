import Foundation
import ModelIO
import Tensor

/// A LLaMA-architecture causal language model (Float32, or with bfloat16 matrix products), following Hugging Face transformers'
/// `LlamaForCausalLM` (RMSNorm, rotate-half RoPE, grouped-query attention, SwiGLU FFN).
public final class LlamaModel: @unchecked Sendable {
    public let config: LlamaConfig
    public var weights: LlamaWeights
    /// How the linear layers and the LM head compute (Float32 unless asked otherwise).
    public let precision: Precision
    /// The library behind Float32 products.
    public let backend: GemmBackend
    /// The output head transposed, [hidden, vocab], for OpenBLAS only: the LM-head product then runs as a
    /// plain (NN) GEMM, which OpenBLAS does about a third faster than the transposed form (oneDNN the
    /// other way round, so it reads the head as stored and this copy is not made).
    let outputTransposed: Matrix?
    /// bfloat16 copies of the linear weights and the head, when `precision` is bf16.
    let bf16: BF16Weights?
    /// Float32 weights in oneDNN's blocked layout, packed as products first need them (oneDNN, Float32).
    let packs: Float32Packs?

    public init(config: LlamaConfig, weights: LlamaWeights, precision: Precision = .f32, backend: GemmBackend = .float32Default) {
        self.config = config
        self.weights = weights
        self.precision = precision
        self.backend = backend
        outputTransposed = Self.transposedHead(weights, backend)
        bf16 = precision == .bf16 ? BF16Weights(layers: weights.layers, head: weights.output) : nil
        packs = Self.packing(precision, backend) ? Float32Packs() : nil
    }

    private init(config: LlamaConfig, weights: LlamaWeights, outputTransposed: Matrix?, precision: Precision, backend: GemmBackend, bf16: BF16Weights?,
                 packs: Float32Packs?) {
        self.config = config
        self.weights = weights
        self.outputTransposed = outputTransposed
        self.precision = precision
        self.backend = backend
        self.bf16 = bf16
        self.packs = packs
    }

    /// Whether products pack Float32 weights: oneDNN's alone take them.
    private static func packing(_ precision: Precision, _ backend: GemmBackend) -> Bool { precision == .f32 && backend == .oneDNN }

    /// A model with other block weights (pruned or shrunk) sharing this one's embedding and output
    /// head, which pruning never touches, and computing as this one does.
    public func replacingLayers(_ layers: [LlamaLayer]) -> LlamaModel {
        var c = config
        c.intermediateSizes = layers.map(\.ffnWidth)
        c.numHiddenLayers = layers.count
        let kv = layers.map { $0.k.rows / c.headDim }
        c.keyValueHeadCounts = kv.allSatisfy({ $0 == c.numKeyValueHeads }) ? nil : kv
        var w = weights
        w.layers = layers
        let packed = bf16.map { BF16Weights(layers: layers, head: $0.head) }
        return LlamaModel(config: c, weights: w, outputTransposed: outputTransposed, precision: precision, backend: backend, bf16: packed,
                          packs: packs?.keeping(layers, head: w.output))
    }

    /// The same weights computing in another precision or through another Float32 backend.
    public func computing(_ precision: Precision, backend: GemmBackend? = nil) -> LlamaModel {
        let packed = precision == .bf16 ? bf16 ?? BF16Weights(layers: weights.layers, head: weights.output) : nil
        let backend = backend ?? self.backend
        let transposed = backend == .openBLAS ? outputTransposed ?? Self.transposedHead(weights, backend) : nil
        let packs = Self.packing(precision, backend) ? self.packs ?? Float32Packs() : nil
        return LlamaModel(config: config, weights: weights, outputTransposed: transposed, precision: precision,
                          backend: backend, bf16: packed, packs: packs)
    }

    /// OpenBLAS's transposed head copy, for a Float32 head (a 16-bit one is widened a slice at a time).
    private static func transposedHead(_ weights: LlamaWeights, _ backend: GemmBackend) -> Matrix? {
        backend == .openBLAS && weights.output.type == .f32 ? weights.output.matrix.transposed() : nil
    }

    /// Loads a GGUF model file.
    public static func load(gguf file: GGUFFile) throws -> LlamaModel {
        try LlamaGGUFLoader.load(file)
    }

    /// The configuration a GGUF file describes, checked (architecture, shapes) without reading weights.
    public static func configuration(of file: GGUFFile) throws -> LlamaConfig {
        try LlamaGGUFLoader.config(of: file)
    }

    /// Loads a `.gguf` file or a Hugging Face folder.
    public static func load(path: String) throws -> LlamaModel {
        try ModelSource.isFolder(path) ? LlamaHuggingFaceLoader.load(folder: path) : load(gguf: GGUFFile(path: path))
    }

    /// The configuration of a `.gguf` file or a Hugging Face folder, checked against the tensor shapes
    /// in its header(s); no weights are read.
    public static func configuration(path: String) throws -> LlamaConfig {
        try ModelSource.isFolder(path) ? LlamaHuggingFaceLoader.open(folder: path).config : configuration(of: GGUFFile(path: path))
    }

    public func makeState(tokens: Int) -> RunState { RunState(config: config, tokens: tokens) }

    /// Runs the transformer blocks on one window and leaves the final-normalised hidden states in
    /// `state.h`. With `statistics`, records its modules' input and output sums of squares on the way.
    public func body(_ ids: [Int32], state s: RunState, statistics: ActivationStatistics? = nil, layout: PackedLayout? = nil) {
        precondition(layout == nil || layout!.count == ids.count, "a packed layout describes every token of the window")
        embed(ids, state: s)
        statistics?.countTokens(ids.count)
        for l in weights.layers.indices { block(l, state: s, tokens: ids.count, statistics: statistics, layout: layout) }
        let eps = Float(config.rmsNormEps), d = config.hiddenSize
        weights.finalNorm.withUnsafeBufferPointer { w in
            for i in 0..<ids.count { Kernels.rmsNorm(s.x.row(i), weight: w.baseAddress!, eps: eps, count: d, into: s.h.row(i)) }
        }
    }

    /// The token embeddings of one window, into the residual stream `state.x`.
    func embed(_ ids: [Int32], state s: RunState) {
        let c = config, t = ids.count
        precondition(t <= s.tokens, "window of \(t) tokens exceeds the run state's \(s.tokens)")
        for (i, id) in ids.enumerated() {
            precondition(id >= 0 && Int(id) < c.vocabSize, "token id \(id) outside the vocabulary")
            weights.embedding.widenRows(Int(id)..<Int(id) + 1, into: s.x.row(i))
        }
    }

    /// A window's embeddings as a [tokens, hidden] matrix: the residual stream before block 0, for
    /// passes that run the model one block at a time over many windows (layer-wise calibration).
    public func embedded(_ ids: [Int32]) -> Matrix {
        let x = Matrix(rows: ids.count, columns: config.hiddenSize)
        for (i, id) in ids.enumerated() {
            precondition(id >= 0 && Int(id) < config.vocabSize, "token id \(id) outside the vocabulary")
            weights.embedding.widenRows(Int(id)..<Int(id) + 1, into: x.row(i))
        }
        return x
    }

    /// Runs block `l` on a residual stream held outside the run state ([tokens, hidden]), in place
    /// unless `keep` is false (then the block is only observed through `statistics`).
    public func block(_ l: Int, residual: Matrix, state s: RunState, statistics: ActivationStatistics? = nil, keep: Bool = true) {
        let t = load(residual, into: s)
        block(l, state: s, tokens: t, statistics: statistics, layout: nil)
        if keep { residual.pointer.update(from: s.x.pointer, count: residual.count) }
    }

    /// Runs block `l` on a residual stream held outside the run state up to its FFN activation, and hands
    /// `observe` the residual after attention ([tokens, hidden], row stride hidden) and the activation
    /// h = silu(gate)·up ([tokens, width], row stride the state's widest FFN) without applying down_proj:
    /// what a refit that targets another model's residual stream needs. `residual` is left unchanged.
    public func observeFeedForward(_ l: Int, residual: Matrix, state s: RunState,
                                   _ observe: (_ postAttention: Matrix, _ h: Matrix, _ width: Int) -> Void) {
        let t = load(residual, into: s), c = config, d = c.hiddenSize, layer = weights.layers[l]
        attention(l, state: s, tokens: t, statistics: nil, layout: nil)
        let eps = Float(c.rmsNormEps), f = layer.ffnWidth
        layer.postAttentionNorm.withUnsafeBufferPointer { w in
            for i in 0..<t { Kernels.rmsNorm(s.x.row(i), weight: w.baseAddress!, eps: eps, count: d, into: s.h.row(i)) }
        }
        if f > 0 {
            linear(l, .gate, input: s.h, weight: layer.gate, output: s.gate, state: s, tokens: t, statistics: nil)
            linear(l, .up, input: s.h, weight: layer.up, output: s.up, state: s, tokens: t, statistics: nil, inputRounded: true)
            for i in 0..<t { Kernels.swiglu(gate: s.gate.row(i), up: s.up.row(i), count: f) }
        }
        observe(s.x, s.gate, f)
    }

    /// Runs block `l`'s attention sub-block on a residual stream held outside the run state, in place:
    /// the residual after attention, before the FFN (a refit's target inside a block).
    public func attentionSubBlock(_ l: Int, residual: Matrix, state s: RunState) {
        let t = load(residual, into: s)
        attention(l, state: s, tokens: t, statistics: nil, layout: nil)
        residual.pointer.update(from: s.x.pointer, count: residual.count)
    }

    /// Runs block `l`'s attention on a residual stream held outside the run state up to o_proj and hands
    /// `observe` what o_proj reads ([tokens, query width], row stride the state's widest): a refit of
    /// o_proj needs it. `residual` is left unchanged.
    public func observeAttention(_ l: Int, residual: Matrix, state s: RunState, _ observe: (_ attention: Matrix, _ width: Int) -> Void) {
        let t = load(residual, into: s)
        attentionHeads(l, state: s, tokens: t, statistics: nil, layout: nil)
        observe(s.attention, config.queryWidth(layer: l))
    }

    /// Copies a residual stream held outside the run state ([tokens, hidden]) into its first rows and
    /// returns the token count.
    private func load(_ residual: Matrix, into s: RunState) -> Int {
        precondition(residual.rows <= s.tokens && residual.columns == config.hiddenSize, "residual stream does not fit the run state")
        s.x.pointer.update(from: residual.pointer, count: residual.count)
        return residual.rows
    }

    /// The attention sub-block of block `l`, adding into the first `t` rows of `state.x`.
    func attention(_ l: Int, state s: RunState, tokens t: Int, statistics: ActivationStatistics?, layout: PackedLayout?) {
        attentionHeads(l, state: s, tokens: t, statistics: statistics, layout: layout)
        linear(l, .o, input: s.attention, weight: weights.layers[l].o, output: s.x, scratch: s.scratch, state: s, tokens: t, accumulate: true, statistics: statistics)
    }

    /// Block `l`'s attention up to o_proj: the heads' outputs in `state.attention`.
    private func attentionHeads(_ l: Int, state s: RunState, tokens t: Int, statistics: ActivationStatistics?, layout: PackedLayout?) {
        let c = config, d = c.hiddenSize, layer = weights.layers[l]
        let eps = Float(c.rmsNormEps)
        layer.inputNorm.withUnsafeBufferPointer { w in
            for i in 0..<t { Kernels.rmsNorm(s.x.row(i), weight: w.baseAddress!, eps: eps, count: d, into: s.h.row(i)) }
        }
        linear(l, .q, input: s.h, weight: layer.q, output: s.q, state: s, tokens: t, statistics: statistics)
        linear(l, .k, input: s.h, weight: layer.k, output: s.k, state: s, tokens: t, statistics: statistics, inputRounded: true)
        linear(l, .v, input: s.h, weight: layer.v, output: s.v, state: s, tokens: t, statistics: statistics, inputRounded: true)
        s.rope.apply(s.q.pointer, tokens: t, heads: c.attentionHeads(layer: l), stride: s.q.columns, positions: layout?.positions)
        s.rope.apply(s.k.pointer, tokens: t, heads: c.keyValueHeads(layer: l), stride: s.k.columns, positions: layout?.positions)
        CausalAttention.run(state: s, config: c, layer: l, tokens: t, layout: layout, backend: backend)
        statistics?.addAttention(l, s.attention, rows: t, width: c.queryWidth(layer: l))
    }

    /// One transformer block on the first `t` rows of `state.x`, in place.
    func block(_ l: Int, state s: RunState, tokens t: Int, statistics: ActivationStatistics?, layout: PackedLayout?) {
        let c = config, d = c.hiddenSize, layer = weights.layers[l]
        let eps = Float(c.rmsNormEps)
        attention(l, state: s, tokens: t, statistics: statistics, layout: layout)

        // Feed-forward sub-block: down(silu(gate(h)) · up(h)) (+ bias, when compensation left one).
        layer.postAttentionNorm.withUnsafeBufferPointer { w in
            for i in 0..<t { Kernels.rmsNorm(s.x.row(i), weight: w.baseAddress!, eps: eps, count: d, into: s.h.row(i)) }
        }
        if let bias = layer.downBias {
            bias.withUnsafeBufferPointer { b in for i in 0..<t { Kernels.add(s.x.row(i), b.baseAddress!, count: d) } }
        }
        let f = layer.ffnWidth
        // A layer whose every FFN neuron was pruned adds nothing (but its bias) to the residual stream.
        guard f > 0, layer.down.rows > 0 else { return }
        linear(l, .gate, input: s.h, weight: layer.gate, output: s.gate, state: s, tokens: t, statistics: statistics)
        linear(l, .up, input: s.h, weight: layer.up, output: s.up, state: s, tokens: t, statistics: statistics, inputRounded: true)
        for i in 0..<t { Kernels.swiglu(gate: s.gate.row(i), up: s.up.row(i), count: f) }
        // s.gate now holds h = silu(gate)·up, the FFN's activation: down_proj's input.
        statistics?.addNeurons(l, s.gate, rows: t, width: f)
        feedForwardDown(l, layer, state: s, tokens: t, statistics: statistics)
    }

    /// y = x Wᵀ for the first `tokens` rows; with `accumulate`, y += x Wᵀ (the residual add), the product
    /// formed in `scratch` and added after: oneDNN's accumulating products (a sum post-op) ran o_proj's
    /// and down_proj's shapes about 6 % slower than plain ones followed by the add (six alternating rounds,
    /// both cores), and statistics of the output need it alone anyway.
    /// `inputRounded`: x's bfloat16 copy from the previous call (same input) is still in the state.
    private func linear(_ layer: Int, _ kind: LinearKind, input x: Matrix, weight w: Weight, output y: Matrix,
                        scratch: Matrix? = nil, state s: RunState, tokens t: Int, accumulate: Bool = false,
                        statistics: ActivationStatistics?, inputRounded: Bool = false) {
        let record = statistics?.wants(layer, kind) ?? false
        if record { statistics!.addInput(layer, kind, x, rows: t) }
        if accumulate, let tmp = scratch {
            product(layer, kind, input: x, weight: w, state: s, tokens: t, inputRounded: inputRounded, into: tmp.pointer, ldc: tmp.columns)
            if record { statistics!.addOutput(layer, kind, tmp, rows: t) }
            if y.columns == w.rows && tmp.columns == w.rows {
                Kernels.add(y.pointer, tmp.pointer, count: t * w.rows)
            } else {
                for i in 0..<t { Kernels.add(y.row(i), tmp.row(i), count: w.rows) }
            }
        } else {
            product(layer, kind, input: x, weight: w, state: s, tokens: t, inputRounded: inputRounded, accumulate: accumulate,
                    into: y.pointer, ldc: y.columns)
            if record { statistics!.addOutput(layer, kind, y, rows: t) }
        }
    }

    /// x Wᵀ (+ C) for one linear module, in the model's precision: Float32 through its backend, or
    /// x rounded to bfloat16 (into the state's buffer) against the module's bfloat16 weight.
    private func product(_ layer: Int, _ kind: LinearKind, input x: Matrix, weight w: Weight, state s: RunState, tokens t: Int,
                         inputRounded: Bool, accumulate: Bool = false, into c: UnsafeMutablePointer<Float>, ldc: Int) {
        if let packed = bf16 {
            let w16 = packed.layers[layer][kind]!
            precondition(w16.rows == w.rows && w16.columns == w.columns, "bfloat16 weight of \(kind.rawValue) out of step with its stored one")
            if !inputRounded { BFloat16.convert(rows: t, columns: w.columns, x.pointer, lda: x.columns, s.input16.pointer) }
            OneDNN.gemmNT(m: t, n: w.rows, k: w.columns, a: s.input16.pointer, lda: w.columns, b: w16.half!.pointer, ldb: w16.columns,
                          accumulate: accumulate, c: c, ldc: ldc)
        } else {
            float32Product(w, m: t, a: x.pointer, lda: x.columns, state: s, accumulate: accumulate, into: c, ldc: ldc)
        }
    }

    /// a Wᵀ (+ C) in Float32 through the backend. A 16-bit weight is widened into the state a slice of rows
    /// at a time (exactly: each bfloat16 and half is a Float32), so it is never held widened whole.
    private func float32Product(_ w: Weight, m: Int, a: UnsafePointer<Float>, lda: Int, state s: RunState,
                                accumulate: Bool, into c: UnsafeMutablePointer<Float>, ldc: Int) {
        float32Product(w, rows: 0..<w.rows, m: m, a: a, lda: lda, state: s, accumulate: accumulate, into: c, ldc: ldc)
    }

    /// a W[range]ᵀ (+ C): the product with the rows `range` of W only (output columns 0..<range.count).
    private func float32Product(_ w: Weight, rows range: Range<Int>, m: Int, a: UnsafePointer<Float>, lda: Int, state s: RunState,
                                accumulate: Bool, into c: UnsafeMutablePointer<Float>, ldc: Int) {
        if w.type == .f32 {
            func plain(_ rows: Range<Int>) {
                backend.gemmNT(m: m, n: rows.count, k: w.columns, a: a, lda: lda, b: w.matrix.pointer + rows.lowerBound * w.columns, ldb: w.columns,
                               accumulate: accumulate, c: c + (rows.lowerBound - range.lowerBound), ldc: ldc)
            }
            guard let packs else { return plain(range) }
            // One pack per chunk of rows, aligned from row 0, so the head's tiles each read one.
            let chunk = Float32Packs.chunkRows
            var r0 = range.lowerBound
            while r0 < range.upperBound {
                let r1 = min(range.upperBound, (r0 / chunk + 1) * chunk)
                if let pack = packs.pack(w, rows: r0..<r1) {
                    OneDNN.gemmNT(m: m, a: a, lda: lda, packed: pack, accumulate: accumulate, c: c + (r0 - range.lowerBound), ldc: ldc)
                } else {
                    plain(r0..<r1)
                }
                r0 = r1
            }
            return
        }
        let slice = max(1, min(range.count, RunState.widenedSlice / max(w.columns, 1)))
        let buffer = s.widenedBuffer(slice * w.columns)
        for r0 in stride(from: range.lowerBound, to: range.upperBound, by: slice) {
            let r1 = min(range.upperBound, r0 + slice)
            w.widenRows(r0..<r1, into: buffer)
            backend.gemmNT(m: m, n: r1 - r0, k: w.columns, a: a, lda: lda, b: buffer, ldb: w.columns,
                           accumulate: accumulate, c: c + (r0 - range.lowerBound), ldc: ldc)
        }
    }

    /// Logits of `rows` hidden states (row stride lda) into `c` ([rows, vocab]), in the model's precision.
    func headProduct(rows: Int, a: UnsafePointer<Float>, lda: Int, state s: RunState, into c: UnsafeMutablePointer<Float>) {
        headProduct(rows: rows, a: a, lda: lda, state: s, tokens: 0..<config.vocabSize, inputRounded: false, into: c, ldc: config.vocabSize)
    }

    /// The logits of the vocabulary entries `tokens` only, into `c` ([rows, tokens.count], row stride ldc).
    /// `inputRounded`: the bfloat16 copy of these hidden states from the previous call is still in the state.
    func headProduct(rows: Int, a: UnsafePointer<Float>, lda: Int, state s: RunState, tokens: Range<Int>, inputRounded: Bool,
                     into c: UnsafeMutablePointer<Float>, ldc: Int) {
        let vocab = config.vocabSize, d = config.hiddenSize
        if let packed = bf16 {
            if !inputRounded { BFloat16.convert(rows: rows, columns: d, a, lda: lda, s.input16.pointer) }
            OneDNN.gemmNT(m: rows, n: tokens.count, k: d, a: s.input16.pointer, lda: d, b: packed.head.half!.pointer + tokens.lowerBound * d, ldb: d,
                          c: c, ldc: ldc)
        } else if let transposed = outputTransposed {
            // OpenBLAS runs the plain (NN) product on the transposed head a third faster than x Wᵀ.
            BLAS.gemmNN(m: rows, n: tokens.count, k: d, a: a, lda: lda, b: transposed.pointer + tokens.lowerBound, ldb: vocab, c: c, ldc: ldc)
        } else {
            // oneDNN is faster on the head stored [vocab, hidden] (x Wᵀ) than on its transpose.
            float32Product(weights.output, rows: tokens, m: rows, a: a, lda: lda, state: s, accumulate: false, into: c, ldc: ldc)
        }
    }

    /// down_proj, whose kept output rows may be a subset of the hidden channels: then compute only those
    /// and scatter them into the residual stream.
    private func feedForwardDown(_ l: Int, _ layer: LlamaLayer, state s: RunState, tokens t: Int, statistics: ActivationStatistics?) {
        guard let outputs = layer.downOutputs else {
            linear(l, .down, input: s.gate, weight: layer.down, output: s.x, scratch: s.scratch, state: s, tokens: t, accumulate: true, statistics: statistics)
            return
        }
        let record = statistics?.wants(l, .down) ?? false
        if record { statistics!.addInput(l, .down, s.gate, rows: t) }
        product(l, .down, input: s.gate, weight: layer.down, state: s, tokens: t, inputRounded: false,
                into: s.scratch.pointer, ldc: s.scratch.columns)
        if record { statistics!.addOutput(l, .down, s.scratch, rows: t) }
        for i in 0..<t {
            let dst = s.x.row(i), src = s.scratch.row(i)
            for (j, channel) in outputs.enumerated() { dst[channel] += src[j] }
        }
    }
}
