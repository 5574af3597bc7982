import Llama

/// Per-channel L2 norms of the inputs and outputs of the modules being pruned, measured on the dense
/// model over every calibration token.
public struct CalibrationStatistics: Codable, Sendable, Equatable {
    public struct Channels: Codable, Sendable, Equatable {
        public var input: [Double]
        public var output: [Double]

        public init(input: [Double], output: [Double]) {
            self.input = input
            self.output = output
        }
    }

    public var tokens: Int
    /// By module name (`model.layers.3.mlp.up_proj`).
    public var modules: [String: Channels]

    public init(tokens: Int, modules: [String: Channels]) {
        self.tokens = tokens
        self.modules = modules
    }

    public init(_ sums: ActivationStatistics) {
        tokens = sums.tokens
        var modules: [String: Channels] = [:]
        for m in sums.modules {
            let s = sums.sums[m]!
            modules[m.name] = Channels(input: s.input.map { $0.squareRoot() }, output: s.output.map { $0.squareRoot() })
        }
        self.modules = modules
    }

    public subscript(_ m: LinearModule) -> Channels? { modules[m.name] }
}
