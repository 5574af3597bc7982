import Tensor

/// Per-channel sums of squares of the inputs and outputs of chosen linear modules over every token the
/// model has seen: √ of them are the L2 norms that activation-aware scorers use. One accumulator per
/// worker thread, merged at the end.
public final class ActivationStatistics: @unchecked Sendable {
    public struct Sums: Sendable, Codable, Equatable {
        public var input: [Double]
        public var output: [Double]
    }

    /// Per-neuron sums of the FFN activation h = silu(gate)·up of one block (down_proj's input):
    /// Σh and Σh², from which its mean, variance and L2 norm over the tokens follow.
    public struct NeuronSums: Sendable, Codable, Equatable {
        public var sum: [Double]
        public var squares: [Double]
    }

    public let modules: Set<LinearModule>
    public private(set) var sums: [LinearModule: Sums] = [:]
    public private(set) var neurons: [Int: NeuronSums] = [:]
    /// The same sums for each chosen block's attention output (o_proj's input: the query heads' outputs
    /// side by side), what head scorers read per channel.
    public private(set) var attention: [Int: NeuronSums] = [:]
    /// Blocks whose Gram matrix HᵀH (Float64, lower triangle, [width, width]) is accumulated.
    public private(set) var grams: [Int: [Double]] = [:]
    public private(set) var tokens = 0
    /// One window's Gram in Float32 (the lower triangle) before it is added to the Float64 sum.
    private var gramScratch: [Float] = []

    public init(modules: Set<LinearModule>, config: LlamaConfig, neuronLayers: Set<Int> = [], gramLayers: Set<Int> = [],
                attentionLayers: Set<Int> = []) {
        self.modules = modules
        for l in attentionLayers {
            let w = config.queryWidth(layer: l)
            attention[l] = NeuronSums(sum: .init(repeating: 0, count: w), squares: .init(repeating: 0, count: w))
        }
        for m in modules {
            let (rows, columns) = Self.shape(m, config)
            sums[m] = Sums(input: .init(repeating: 0, count: columns), output: .init(repeating: 0, count: rows))
        }
        for l in neuronLayers.union(gramLayers) {
            let f = config.intermediateSizes[l]
            neurons[l] = NeuronSums(sum: .init(repeating: 0, count: f), squares: .init(repeating: 0, count: f))
        }
        for l in gramLayers {
            let f = config.intermediateSizes[l]
            grams[l] = .init(repeating: 0, count: f * f)
            gramScratch = .init(repeating: 0, count: max(gramScratch.count, f * f))
        }
    }

    /// Adds one window's attention output of block `layer` (the first `rows` rows of `x`, `width` channels).
    func addAttention(_ layer: Int, _ x: Matrix, rows: Int, width: Int) {
        guard var n = attention.removeValue(forKey: layer) else { return }
        Self.accumulate(&n, x, rows: rows, width: width)
        attention[layer] = n
    }

    /// Adds one window's FFN activations of block `layer` (the first `rows` rows of `h`, `width` neurons).
    func addNeurons(_ layer: Int, _ h: Matrix, rows: Int, width: Int) {
        // Taken out and put back, so the arrays are mutated in place without overlapping accesses.
        guard var n = neurons.removeValue(forKey: layer) else { return }
        Self.accumulate(&n, h, rows: rows, width: width)
        neurons[layer] = n
        guard var g = grams.removeValue(forKey: layer) else { return }
        BLAS.addGramLower(rows: rows, columns: width, a: h.pointer, lda: h.columns, scratch: &gramScratch, into: &g)
        grams[layer] = g
    }

    /// Σh and Σh² per column of the first `rows` rows of `h` added to `n`.
    static func accumulate(_ n: inout NeuronSums, _ h: Matrix, rows: Int, width: Int) {
        // As for the modules' sums of squares: Float32 partial sums over at most 64 tokens, added to the
        // Float64 totals, so the totals do not depend on which worker summed which window (adding a few
        // hundred Float32 values in Float64 is exact).
        n.squares.withUnsafeMutableBufferPointer {
            Kernels.accumulateColumnSquares(h.pointer, rows: rows, columns: width, ld: h.columns, into: $0.baseAddress!)
        }
        var partial = [Float](repeating: 0, count: width)
        n.sum.withUnsafeMutableBufferPointer { sum in
            partial.withUnsafeMutableBufferPointer { p in
                for r0 in stride(from: 0, to: rows, by: 64) {
                    for j in 0..<width { p[j] = 0 }
                    for r in r0..<min(rows, r0 + 64) {
                        let row = h.row(r)
                        for j in 0..<width { p[j] += row[j] }
                    }
                    for j in 0..<width { sum[j] += Double(p[j]) }
                }
            }
        }
    }

    /// Starts accumulating block `layer`'s Gram matrix (a layer-wise pass holds one block's at a time).
    public func beginGram(_ layer: Int, width: Int) {
        grams[layer] = .init(repeating: 0, count: width * width)
        if gramScratch.count < width * width { gramScratch = .init(repeating: 0, count: width * width) }
        if neurons[layer] == nil { neurons[layer] = NeuronSums(sum: .init(repeating: 0, count: width), squares: .init(repeating: 0, count: width)) }
    }

    /// Block `layer`'s Gram matrix, its lower triangle (the upper one is zero), handed over (this
    /// accumulator forgets it). Workers' triangles are summed before one `SymmetricMatrix.mirrorLower`.
    public func takeGram(_ layer: Int) -> [Double]? {
        guard let g = grams.removeValue(forKey: layer) else { return nil }
        if grams.isEmpty { gramScratch = [] }
        return g
    }

    static func shape(_ m: LinearModule, _ c: LlamaConfig) -> (rows: Int, columns: Int) { c.shape(of: m.kind, layer: m.layer) }

    func wants(_ layer: Int, _ kind: LinearKind) -> Bool { modules.contains(LinearModule(layer: layer, kind: kind)) }

    func addInput(_ layer: Int, _ kind: LinearKind, _ x: Matrix, rows: Int) { add(layer, kind, x, rows: rows, to: \.input) }

    func addOutput(_ layer: Int, _ kind: LinearKind, _ y: Matrix, rows: Int) { add(layer, kind, y, rows: rows, to: \.output) }

    /// Adds the per-column sums of squares of the first `rows` rows of `x` to one side of a module's sums.
    private func add(_ layer: Int, _ kind: LinearKind, _ x: Matrix, rows: Int, to side: WritableKeyPath<Sums, [Double]>) {
        let m = LinearModule(layer: layer, kind: kind)
        guard sums[m] != nil else { return }
        let columns = sums[m]![keyPath: side].count
        sums[m]![keyPath: side].withUnsafeMutableBufferPointer {
            Kernels.accumulateColumnSquares(x.pointer, rows: rows, columns: columns, ld: x.columns, into: $0.baseAddress!)
        }
    }

    public func countTokens(_ n: Int) { tokens += n }

    /// Adds another worker's sums into this one.
    public func merge(_ other: ActivationStatistics) {
        for (m, s) in other.sums {
            for i in s.input.indices { sums[m]!.input[i] += s.input[i] }
            for i in s.output.indices { sums[m]!.output[i] += s.output[i] }
        }
        for (l, n) in other.neurons {
            for i in n.sum.indices { neurons[l]!.sum[i] += n.sum[i] }
            for i in n.squares.indices { neurons[l]!.squares[i] += n.squares[i] }
        }
        for (l, n) in other.attention {
            for i in n.sum.indices { attention[l]!.sum[i] += n.sum[i] }
            for i in n.squares.indices { attention[l]!.squares[i] += n.squares[i] }
        }
        for (l, g) in other.grams {
            grams[l]!.withUnsafeMutableBufferPointer { dst in for i in g.indices { dst[i] += g[i] } }
        }
        tokens += other.tokens
    }

    /// Per-channel L2 norms: √Σx².
    public func l2(_ m: LinearModule) -> (input: [Float], output: [Float])? {
        guard let s = sums[m] else { return nil }
        return (s.input.map { Float($0.squareRoot()) }, s.output.map { Float($0.squareRoot()) })
    }
}
