/// contribution: the energy a unit writes into the residual stream over the calibration tokens, relative
/// to the energy of the stream entering its block, so that neurons, head groups and blocks of every depth
/// stand on one scale and can compete in a mix (`mlp.neurons + attention.heads + blocks`). Each block
/// reads the stream through an RMSNorm, so what a removed unit changes downstream goes with its share
/// of the stream, not its absolute size. With E_l = Σ_t ‖x_l(t)‖² (x_l the hidden state entering block l):
/// - a neuron j of block l: ‖h_j‖² · ‖W_down[:, j]‖² / E_l (its contribution h_j(t)·W_down[:, j] is
///   rank one, so this is its exact energy);
/// - a key/value head group g: Σ_{c ∈ g} ‖x_c‖² · ‖W_o[:, c]‖² / E_l over the group's o_proj input
///   channels (cross terms between a group's channels ignored);
/// - block l: Σ_t ‖x_{l+1}(t) − x_l(t)‖² / E_l, the energy of the block's whole update.
/// A mix then removes the units of least energy per parameter first (`MixedUnits.select`).
public struct ContributionScorer: Scorer {
    public static let name = "contribution"
    public static let needsStatistics = true
    public static let scoresMixes = true

    public init(_ parameters: inout ParameterReader) throws {}

    public func score(_ x: ScoringInput) throws -> [Double] {
        guard let blocks = x.blocks, blocks.inputEnergy.count == blocks.updateEnergy.count, x.module.layer < blocks.inputEnergy.count else {
            throw PruningError("scorer \(Self.name) needs the energy of every block's input and update from calibration data")
        }
        if let n = x.neurons {
            let stream = try energy(blocks, x.module.layer)
            return zip(n.norm, n.downColumnNorms).map { $0 * $0 * $1 * $1 / stream }
        }
        if let h = x.heads {
            let stream = try energy(blocks, x.module.layer)
            return (0..<h.groups).map { g in
                h.range(g).reduce(0.0) { $0 + h.channelNorms[$1] * h.channelNorms[$1] * h.outputColumnNorms[$1] * h.outputColumnNorms[$1] } / stream
            }
        }
        return try blocks.updateEnergy.indices.map { try blocks.updateEnergy[$0] / energy(blocks, $0) }
    }

    private func energy(_ blocks: BlockSimilarity, _ layer: Int) throws -> Double {
        let e = blocks.inputEnergy[layer]
        guard e.isFinite, e > 0 else { throw PruningError("the hidden state entering block \(layer) has no energy on the calibration tokens") }
        return e
    }
}
