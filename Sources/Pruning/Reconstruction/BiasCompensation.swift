import Llama
import Tensor

/// bias: FLAP's compensation. A removed neuron j contributed W_down[:, j] · h_j; replacing h_j by its
/// mean over the calibration tokens leaves W_down[:, j] · mean(h_j), the same for every token, which a
/// down_proj bias carries: b = Σ_{j removed} W_down[:, j] · mean(h_j) (added to any bias already there).
public struct BiasCompensation: Reconstructor {
    public static let name = "bias"
    public let needs = ReconstructionNeeds()

    public init(_ parameters: inout ParameterReader) throws {}

    /// b[i] = Σ_{j ∈ removed} W[rows[i], j] · mean[j] for a dense down_proj W.
    public static func bias(down w: Matrix, rows: [Int], removed: [Int], mean: [Double]) -> [Double] {
        rows.map { r in
            let row = w.row(r)
            return removed.reduce(0.0) { $0 + Double(row[$1]) * mean[$1] }
        }
    }

    public func reconstruct(_ input: ReconstructionInput) throws -> LlamaModel {
        var layers = input.pruned.weights.layers
        for l in layers.indices {
            guard let kept = input.keptNeurons(l) else { continue }
            guard let stats = input.statistics.neurons(layer: l) else {
                throw PruningError("reconstruct bias needs the FFN activation statistics of block \(l)")
            }
            let keep = Set(kept)
            let removed = (0..<input.dense.config.intermediateSizes[l]).filter { !keep.contains($0) }
            let channels = input.keptChannels(l)
            let b = Self.bias(down: input.dense.weights.layers[l].down.matrix, rows: channels, removed: removed, mean: stats.mean)
            var full = input.dense.weights.layers[l].downBias ?? [Float](repeating: 0, count: input.dense.config.hiddenSize)
            for (i, channel) in channels.enumerated() { full[channel] += Float(b[i]) }
            layers[l].downBias = full
        }
        return input.pruned.replacingLayers(layers)
    }
}
