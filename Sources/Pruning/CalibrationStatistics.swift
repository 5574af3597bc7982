import Llama

/// Per-channel L2 norms of the inputs and outputs of the modules being pruned, and per-neuron
/// statistics of each pruned block's FFN activation h = silu(gate)·up, measured on the dense model
/// over every calibration token.
public struct CalibrationStatistics: Codable, Sendable, Equatable {
    public struct Channels: Codable, Sendable, Equatable {
        public var input: [Double]
        public var output: [Double]

        public init(input: [Double], output: [Double]) {
            self.input = input
            self.output = output
        }
    }

    /// One block's FFN neurons: ‖h_j‖ (L2 norm over the tokens), mean and sample variance of h_j.
    public struct Neurons: Codable, Sendable, Equatable {
        public var norm: [Double]
        public var mean: [Double]
        public var variance: [Double]

        public init(norm: [Double], mean: [Double], variance: [Double]) {
            self.norm = norm
            self.mean = mean
            self.variance = variance
        }

        /// From Σh and Σh² over `tokens` tokens; the variance is the sample one (N − 1), as FLAP's.
        public init(_ s: ActivationStatistics.NeuronSums, tokens: Int) {
            let n = Double(max(tokens, 1))
            norm = s.squares.map { $0.squareRoot() }
            mean = s.sum.map { $0 / n }
            variance = zip(s.sum, s.squares).map { sum, squares in
                tokens > 1 ? max(0, (squares - sum * sum / n) / (n - 1)) : 0
            }
        }
    }

    public var tokens: Int
    /// By module name (`model.layers.3.mlp.up_proj`).
    public var modules: [String: Channels]
    /// By block name (`model.layers.3.mlp`), for blocks whose neurons the structure prunes.
    public var neurons: [String: Neurons]?

    public init(tokens: Int, modules: [String: Channels], neurons: [String: Neurons]? = nil) {
        self.tokens = tokens
        self.modules = modules
        self.neurons = neurons
    }

    public init(_ sums: ActivationStatistics) {
        tokens = sums.tokens
        var modules: [String: Channels] = [:]
        for m in sums.modules {
            let s = sums.sums[m]!
            modules[m.name] = Channels(input: s.input.map { $0.squareRoot() }, output: s.output.map { $0.squareRoot() })
        }
        self.modules = modules
        var neurons: [String: Neurons] = [:]
        for (l, s) in sums.neurons { neurons[Self.blockName(l)] = Neurons(s, tokens: sums.tokens) }
        for (l, s) in sums.attention { neurons[Self.attentionName(l)] = Neurons(s, tokens: sums.tokens) }
        self.neurons = neurons.isEmpty ? nil : neurons
    }

    public subscript(_ m: LinearModule) -> Channels? { modules[m.name] }

    /// The FFN neuron statistics of block `layer`.
    public func neurons(layer: Int) -> Neurons? { neurons?[Self.blockName(layer)] }

    public static func blockName(_ layer: Int) -> String { "model.layers.\(layer).mlp" }

    /// Per-channel statistics of block `layer`'s attention output (o_proj's input), kept beside the
    /// neurons' under `model.layers.N.self_attn` when head groups are pruned.
    public func attention(layer: Int) -> Neurons? { neurons?[Self.attentionName(layer)] }

    public static func attentionName(_ layer: Int) -> String { "model.layers.\(layer).self_attn" }
}
