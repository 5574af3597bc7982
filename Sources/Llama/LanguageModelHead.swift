import Foundation
import Tensor

extension LlamaModel {
    /// Summed negative log-likelihood of ids[1...] given their prefixes within one window, and how many
    /// positions were scored. The logits are formed a tile of the vocabulary at a time for all the rows
    /// (`RunState.vocabularyTile` entries: 8 MB for 512 rows, which stays in the L3 cache beside another
    /// worker's), and each tile's log-sum-exp is folded into a running one per row at once, so a window's
    /// 100 MB of logits never travel to memory and back (the head's share of a window: 170 ms in one
    /// tile, 140 ms in tiles of 4,096; 2,048 and 8,192 no better). The head is still read once a window.
    public func windowNLL(_ ids: [Int32], state s: RunState) -> (nll: Double, count: Int) {
        body(ids, state: s)
        let t = ids.count
        var nll = 0.0
        var r0 = 0
        // The last position predicts nothing inside the window, but its logits are formed with the rest:
        // oneDNN runs the head's product 4-10 % slower on 511 rows than on 512 (a 512-token window's
        // forward pass went from 1,259 to 1,315 tokens/s, means of four alternating runs).
        while r0 < t - 1 {
            let rows = min(RunState.logitChunk, t - 1 - r0)
            var target = [Double](repeating: 0, count: rows)
            let scan = scanLogits(rows: rows, formed: min(RunState.logitChunk, t - r0), a: s.h.row(r0), lda: s.h.columns, state: s,
                                  argmax: false) { r, tokens, logits in
                let y = Int(ids[r0 + r + 1])
                if tokens.contains(y) { target[r] = Double(logits[y - tokens.lowerBound]) }
            }
            for r in 0..<rows { nll += scan.logSumExp[r] - target[r] }
            r0 += rows
        }
        return (nll, max(0, t - 1))
    }

    /// The log-probability of each target token at its row, and whether it is the row's most likely
    /// token (the first maximum, as argmax takes it), for a packed window. Logits are formed only for the
    /// rows that have targets, a chunk of rows and a tile of the vocabulary at a time.
    public func targetLogProbabilities(_ ids: [Int32], layout: PackedLayout, targets: [(row: Int, token: Int32)],
                                       state s: RunState) -> [(logProbability: Double, greedy: Bool)] {
        body(ids, state: s, layout: layout)
        let rows = Array(Set(targets.map(\.row))).sorted()
        let d = config.hiddenSize
        var out = [(logProbability: Double, greedy: Bool)](repeating: (0, false), count: targets.count)
        let byRow = Dictionary(grouping: targets.indices, by: { targets[$0].row })
        var c0 = 0
        while c0 < rows.count {
            let chunk = Array(rows[c0..<min(rows.count, c0 + RunState.logitChunk)])
            // Gather the rows' hidden states (into the scratch buffer) and form their logits tile by tile.
            for (i, r) in chunk.enumerated() { s.scratch.row(i).update(from: s.h.row(r), count: d) }
            var logit = [Double](repeating: 0, count: targets.count)
            let scan = scanLogits(rows: chunk.count, a: s.scratch.pointer, lda: s.scratch.columns, state: s, argmax: true) { i, tokens, logits in
                for t in byRow[chunk[i]] ?? [] where tokens.contains(Int(targets[t].token)) {
                    logit[t] = Double(logits[Int(targets[t].token) - tokens.lowerBound])
                }
            }
            for (i, r) in chunk.enumerated() {
                for t in byRow[r] ?? [] { out[t] = (logit[t] - scan.logSumExp[i], Int(targets[t].token) == scan.argmax[i]) }
            }
            c0 += chunk.count
        }
        return out
    }

    /// Forms the logits of `rows` hidden states (row stride lda) a tile of `RunState.vocabularyTile`
    /// entries at a time, hands each row's tile to `visit` (row, the tile's token range, its logits),
    /// and folds it into the row's running log-sum-exp and, with `argmax`, its first maximum. `formed`
    /// (at least `rows`, at most the logits buffer's rows): how many rows the product computes; the
    /// rows past `rows` are neither scanned nor visited.
    private func scanLogits(rows: Int, formed: Int? = nil, a: UnsafePointer<Float>, lda: Int, state s: RunState, argmax: Bool,
                            visit: (Int, Range<Int>, UnsafePointer<Float>) -> Void) -> (logSumExp: [Double], argmax: [Int]) {
        let vocab = config.vocabSize, width = min(vocab, RunState.vocabularyTile)
        let formed = formed ?? rows
        precondition(formed >= rows && formed <= s.logits.rows, "logit rows formed \(formed) for \(rows) scanned")
        var peak = [Double](repeating: -.infinity, count: rows), total = [Double](repeating: 0, count: rows)
        var best = [Int](repeating: 0, count: argmax ? rows : 0), bestValue = [Float](repeating: -.infinity, count: argmax ? rows : 0)
        for v0 in stride(from: 0, to: vocab, by: width) {
            let tokens = v0..<min(vocab, v0 + width), n = tokens.count
            headProduct(rows: formed, a: a, lda: lda, state: s, tokens: tokens, inputRounded: v0 > 0, into: s.logits.pointer, ldc: n)
            for r in 0..<rows {
                let row = s.logits.pointer + r * n
                // After the first tile, one pass with the row's maximum so far as the shift, kept when the
                // tile's own maximum m stays within `shiftReach` above it (its terms cannot overflow);
                // otherwise the two passes, shifted by m.
                var shift = peak[r], (m, sum) = (-Double.infinity, 0.0)
                if peak[r].isFinite { (m, sum) = Kernels.sumExp(row, n, shift: Float(shift)) }
                if !peak[r].isFinite || m - shift > Self.shiftReach {
                    (m, sum) = Kernels.sumExpBelowMax(row, n)
                    shift = m
                }
                // The larger maximum becomes the row's shift; both sums are rescaled to it (by 1 when it
                // is already theirs).
                let top = Swift.max(peak[r], m)
                total[r] = total[r] * Foundation.exp(peak[r] - top) + sum * Foundation.exp(shift - top)
                peak[r] = top
                // A later tile takes the argmax only with a strictly larger value: the first maximum wins.
                if argmax, Float(m) > bestValue[r], let j = (0..<n).first(where: { row[$0] == Float(m) }) {
                    best[r] = v0 + j
                    bestValue[r] = Float(m)
                }
                visit(r, tokens, row)
            }
        }
        return ((0..<rows).map { peak[$0] + Foundation.log(total[$0]) }, best)
    }

    /// How far above its shift a tile's maximum may lie for a one-pass sum (e^64 ≈ 6e27: 4,096 such terms
    /// stay far below Float32's overflow, and the exponential clamps only past 88.7).
    static let shiftReach = 64.0

    /// Full logits [tokens, vocab] of one window (for tests and small inputs).
    public func logits(_ ids: [Int32]) -> Matrix {
        let s = makeState(tokens: ids.count)
        body(ids, state: s)
        let out = Matrix(rows: ids.count, columns: config.vocabSize)
        var r0 = 0
        while r0 < ids.count {
            let rows = min(RunState.logitChunk, ids.count - r0)
            headProduct(rows: rows, a: s.h.row(r0), lda: s.h.columns, state: s, into: out.row(r0))
            r0 += rows
        }
        return out
    }
}
