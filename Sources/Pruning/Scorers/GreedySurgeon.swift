import Tensor

/// Greedy Optimal Brain Surgeon over one block's FFN neurons (ZipLM, Kurtic et al., arXiv 2302.04089,
/// for structures): remove the neuron whose loss is cheapest, refit the rest, repeat. The loss is the
/// one `reconstruct least_squares` minimises: the squared error of the block's FFN output over the
/// calibration tokens, with a down_proj intercept and the ridge λ = ridge · mean(diag G),
///     E(K) = min over W_K, b of ‖H W_downᵀ − H_K W_Kᵀ − 1bᵀ‖² + λ‖W_K‖².
/// With A = [[N, sᵀ], [s, G + λI]] (s the neurons' sums, N the tokens) and W* the current optimal
/// weights (the intercept first), removing neuron j costs ‖W*[:, j]‖² / [A⁻¹]_jj, and the removal is
/// exact in closed form: W* −= W*[:, j] (A⁻¹)_j· / (A⁻¹)_jj and A⁻¹ −= (A⁻¹)_·j (A⁻¹)_j· / (A⁻¹)_jj.
/// Unlike a one-shot score, each choice sees the neurons already gone: a neuron whose work the removed
/// ones shared becomes dear once they are gone.
enum GreedySurgeon {
    /// Each neuron's removal order turned into a score: the running maximum of the removal costs up to its
    /// step, made strictly increasing, so ranking by score (fewest first) removes neurons in the greedy
    /// order, and costs stay comparable across blocks for a global pruner. The last neuron is never removed
    /// and scores above all others.
    static func scores(gram g: [Double], sums: [Double], tokens: Int, down: Matrix, ridge: Double) throws -> [Double] {
        let f = sums.count, d = down.rows, m0 = f + 1
        precondition(g.count == f * f && down.columns == f, "Gram matrix, sums and down_proj disagree on the width")
        // The right-hand sides for the dense block's own output H W_downᵀ: W_down [s, G] ([hidden, 1 + width]).
        var wd = [Double](repeating: 0, count: d * f)
        for r in 0..<d { let row = down.row(r); for c in 0..<f { wd[r * f + c] = Double(row[c]) } }
        var sg = [Double](repeating: 0, count: m0 * f)
        for c in 0..<f { sg[c] = sums[c] }
        for i in 0..<f { for j in 0..<f { sg[(i + 1) * f + j] = g[i * f + j] } }
        var product = [Double](repeating: 0, count: d * m0)
        wd.withUnsafeBufferPointer { pw in sg.withUnsafeBufferPointer { ps in product.withUnsafeMutableBufferPointer { pm in
            BLAS.dgemmNT(m: d, n: m0, k: f, a: pw.baseAddress!, lda: f, b: ps.baseAddress!, ldb: f, c: pm.baseAddress!, ldc: m0)
        } } }
        return try scores(gram: g, sums: sums, tokens: tokens, crossProducts: product, outputs: d, ridge: ridge)
    }

    /// The same for any least-squares target T ([tokens, outputs]): `crossProducts` [outputs, 1 + width] holds,
    /// for each output r, Σ_t T_t,r and then Σ_t h_j,t T_t,r for every neuron j.
    static func scores(gram g: [Double], sums: [Double], tokens: Int, crossProducts product: [Double], outputs d: Int,
                       ridge: Double) throws -> [Double] {
        let f = sums.count, m0 = f + 1
        precondition(g.count == f * f && product.count == d * m0, "Gram matrix, sums and cross products disagree on the width")
        guard f > 1 else { return [Double](repeating: 1, count: f) }
        // A with the intercept at position 0, then its inverse.
        let lambda = ridge * (0..<f).reduce(0) { $0 + g[$1 * f + $1] } / Double(f)
        var a = [Double](repeating: 0, count: m0 * m0)
        a[0] = Double(max(tokens, 1))
        for i in 0..<f {
            a[i + 1] = sums[i]
            a[(i + 1) * m0] = sums[i]
            for j in 0..<f { a[(i + 1) * m0 + j + 1] = g[i * f + j] }
            a[(i + 1) * m0 + i + 1] += lambda
        }
        var inverse: [Double]
        do {
            inverse = try LAPACK.inverseSPD(a, n: m0)
        } catch let e as LAPACK.NotPositiveDefinite {
            throw PruningError("obs(greedy): the block's Gram matrix is singular (\(e)); give a ridge above 0")
        }
        // W* = [cross products] A⁻¹ ([outputs, 1 + width]): the optimum with every neuron.
        var w = [Double](repeating: 0, count: d * m0)
        product.withUnsafeBufferPointer { pm in inverse.withUnsafeBufferPointer { pi in w.withUnsafeMutableBufferPointer { pw in
            BLAS.dgemmNT(m: d, n: m0, k: m0, a: pm.baseAddress!, lda: m0, b: pi.baseAddress!, ldb: m0, c: pw.baseAddress!, ldc: m0)
        } } }

        // Positions 0..<m are live (0 the intercept); a removed neuron is swapped to the end.
        var neuronAt = Array(-1..<f)
        var score = [Double](repeating: 0, count: f)
        var norms = [Double](repeating: 0, count: m0), column = [Double](repeating: 0, count: d)
        var pivotRow = [Double](repeating: 0, count: m0), scaled = [Double](repeating: 0, count: m0)
        var running = 0.0
        var m = m0
        try w.withUnsafeMutableBufferPointer { pw in
            try inverse.withUnsafeMutableBufferPointer { pi in
                let w = pw.baseAddress!, inv = pi.baseAddress!
                while m > 2 {
                    for k in 0..<m { norms[k] = 0 }
                    for r in 0..<d {
                        let row = w + r * m0
                        for k in 1..<m { norms[k] += row[k] * row[k] }
                    }
                    var p = 1, best = Double.infinity
                    for k in 1..<m {
                        let diagonal = inv[k * m0 + k]
                        let cost = diagonal > 0 ? norms[k] / diagonal : .infinity
                        if cost < best { best = cost; p = k }
                    }
                    guard best.isFinite else { throw PruningError("obs(greedy): the refit lost precision (non-positive inverse diagonal); give a larger ridge") }
                    running = max(best, running.nextUp)
                    score[neuronAt[p]] = running
                    // Remove position p: rank-one updates of W* and A⁻¹ (which zero its column and row).
                    let pivot = inv[p * m0 + p]
                    for k in 0..<m { pivotRow[k] = inv[p * m0 + k]; scaled[k] = pivotRow[k] / pivot }
                    for r in 0..<d { column[r] = w[r * m0 + p] }
                    BLAS.dger(m: d, n: m, alpha: -1, x: column, y: scaled, a: w, lda: m0)
                    BLAS.dger(m: m, n: m, alpha: -1, x: pivotRow, y: scaled, a: inv, lda: m0)
                    // Swap position p with the last live one and shrink.
                    let last = m - 1
                    if p != last {
                        for r in 0..<d { w.swapAt(r * m0 + p, r * m0 + last) }
                        for k in 0..<m { inv.swapAt(p * m0 + k, last * m0 + k) }
                        for k in 0..<m { inv.swapAt(k * m0 + p, k * m0 + last) }
                        neuronAt.swapAt(p, last)
                    }
                    m -= 1
                }
            }
        }
        score[neuronAt[1]] = running.nextUp
        return score
    }
}

private extension UnsafeMutablePointer {
    func swapAt(_ i: Int, _ j: Int) {
        let t = self[i]
        self[i] = self[j]
        self[j] = t
    }
}
