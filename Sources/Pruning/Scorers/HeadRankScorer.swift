import Llama
import Tensor

/// A head scorer whose scores come from one computation over every block's key/value head groups
/// (a graph over all of them); `UnitPruning.importances` calls it once instead of once per block.
protocol HeadGraphScorer: Scorer {
    /// Raw scores of every block's groups, from each block's `ScoringInput` (with `heads`) and weights.
    /// o_proj is read from `layers` (`.matrix`, widened per use for a 16-bit model), not from the inputs'
    /// `weight`, which is empty for a 16-bit model so that no block's widened copy outlives its use.
    func score(blocks: [ScoringInput], layers: [LlamaLayer], headDim: Int) throws -> [[Double]]
}

/// head_rank(gamma: 0.5, theta: 1): LLM-Rank's weighted PageRank (arXiv 2410.13299, the `wpr` step)
/// over a graph whose nodes are all blocks' key/value head groups, layered block by block.
///
/// Edge g → h from group g of block l to group h of block l+1, weighted by how strongly h's q, k and v
/// rows read what g writes to the residual stream on the calibration tokens:
///   w(g, h) = ‖W_qkv⁽ˡ⁺¹⁾[h] · diag(n⁽ˡ⁺¹⁾) · W_o⁽ˡ⁾[:, g] · diag(‖x_c‖ : c ∈ g)‖_F,
/// W_qkv[h] the q rows of h's query heads, h's k rows and v rows stacked, n⁽ˡ⁺¹⁾ block l+1's
/// input_layernorm weight (the q/k/v rows read the normalised stream), W_o[:, g] the o_proj columns
/// of g's query heads and ‖x_c‖ the L2 norm of o_proj's input channel c over the calibration tokens.
/// Only consecutive blocks are joined, as LLM-Rank joins consecutive layers (the residual stream also
/// carries g to later blocks; those edges are left out) and the MLP between is passed over.
///
/// Scores, as `wpr` computes them layer by layer: block l+1's group h scores
/// γ·(M · prev)_h + (1−γ)·‖x_h‖/Σ‖x‖, with M = θ·C + (1−θ)·B (C the edge weights, B their non-zero
/// pattern, each column divided by its sum), ‖x_h‖ head_norm's output norm and prev block l's
/// scores normalised to sum 1. Block 0's groups have no groups before them: one source, the
/// embeddings, feeds them all alike (γ/groups + (1−γ)·‖x_g‖/Σ‖x‖), so block 0 is damped like the
/// others rather than ranked by head_norm alone, which would make its groups look more unequal than
/// the later blocks' in a ranking across blocks. Each block's scores sum to 1 (M keeps the mass).
/// γ = 0 is head_norm, hence the default 0.5. θ defaults to 1 (wpr's is 0.5): every edge between two
/// blocks' groups is non-zero, so B is all ones and its share would only spread mass evenly, a second
/// damping beside γ's.
public struct HeadRankScorer: HeadGraphScorer {
    public static let name = "head_rank"
    public static let needsStatistics = true
    public static let unit: UnitKind? = .head
    public let gamma: Double
    public let theta: Double

    public init(_ parameters: inout ParameterReader) throws {
        gamma = try parameters.number("gamma", default: 0.5, in: 0...1)
        theta = try parameters.number("theta", default: 1, in: 0...1)
    }

    public func score(_ x: ScoringInput) throws -> [Double] {
        throw PruningError("scorer \(Self.name) scores every block's head groups at once (structure attention.heads)")
    }

    func score(blocks: [ScoringInput], layers: [LlamaLayer], headDim: Int) throws -> [[Double]] {
        var result: [[Double]] = []
        for (l, block) in blocks.enumerated() {
            let h = block.heads!
            let teleport = (0..<h.groups).map { g in h.range(g).reduce(0.0) { $0 + h.channelNorms[$1] * h.channelNorms[$1] }.squareRoot() }
            let scores: [Double]
            if let previous = result.last {
                let from = blocks[l - 1]
                let w = try Self.edges(from: layers[l - 1].o.matrix, norms: from.heads!.channelNorms, groups: from.heads!.groups,
                                       to: layers[l], groups: h.groups, channels: h.channels, headDim: headDim, layer: l)
                scores = WeightedPageRankScorer.step(rows: h.groups, columns: previous.count, previous: previous, teleport: teleport,
                                                     gamma: gamma, theta: theta) { w[$0][$1] }
            } else {
                // Block 0: one source (the embeddings) feeding every group alike.
                scores = WeightedPageRankScorer.step(rows: h.groups, columns: 1, previous: [1], teleport: teleport,
                                                     gamma: gamma, theta: theta) { _, _ in 1 }
            }
            result.append(try LLMRank.normalised(scores, what: "\(Self.name) scores of \(block.module.name)"))
        }
        return result
    }

    /// w[h][g]: the edge weights from block l−1's groups g (its o_proj `o`, input channel norms
    /// `norms`) to block `layer`'s groups h, as defined above.
    static func edges(from o: Matrix, norms: [Double], groups: Int, to next: LlamaLayer, groups nextGroups: Int,
                      channels: Int, headDim d: Int, layer: Int) throws -> [[Double]] {
        let hidden = o.rows, width = o.columns
        let qRows = next.q.rows, kRows = next.k.rows, rows = qRows + 2 * kRows
        guard width == groups * channels, qRows == nextGroups * channels, kRows == nextGroups * d, next.v.rows == kRows,
              next.q.columns == hidden, next.inputNorm.count == hidden else {
            throw PruningError("block \(layer)'s q/k/v shapes do not fit the head groups of blocks \(layer - 1) and \(layer)")
        }
        // b[c][i] = W_o[i, c]·‖x_c‖ (o_proj's columns, scaled and transposed); a = W_qkv · diag(n).
        var b = [Double](repeating: 0, count: width * hidden), a = [Double](repeating: 0, count: rows * hidden)
        for i in 0..<hidden {
            let row = o.row(i)
            for c in 0..<width { b[c * hidden + i] = Double(row[c]) * norms[c] }
        }
        for (offset, m) in [(0, next.q.matrix), (qRows, next.k.matrix), (qRows + kRows, next.v.matrix)] {
            for r in 0..<m.rows {
                let row = m.row(r)
                for i in 0..<hidden { a[(offset + r) * hidden + i] = Double(row[i]) * Double(next.inputNorm[i]) }
            }
        }
        var p = [Double](repeating: 0, count: rows * width)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                p.withUnsafeMutableBufferPointer { pp in
                    BLAS.dgemmNT(m: rows, n: width, k: hidden, a: pa.baseAddress!, lda: hidden, b: pb.baseAddress!, ldb: hidden,
                                 c: pp.baseAddress!, ldc: width)
                }
            }
        }
        // Group h's rows of the product: its query heads' q rows, its k rows, its v rows.
        return (0..<nextGroups).map { h in
            let hRows = Array(h * channels..<(h + 1) * channels) + Array(qRows + h * d..<qRows + (h + 1) * d)
                + Array(qRows + kRows + h * d..<qRows + kRows + (h + 1) * d)
            return (0..<groups).map { g in
                var s = 0.0
                for r in hRows {
                    for c in g * channels..<(g + 1) * channels { s += p[r * width + c] * p[r * width + c] }
                }
                return s.squareRoot()
            }
        }
    }
}
