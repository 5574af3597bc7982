import Foundation
import Tensor

extension LlamaModel {
    /// Summed negative log-likelihood of ids[1...] given their prefixes within one window, and how many
    /// positions were scored. Logits are formed a chunk of rows at a time and consumed at once, so a
    /// window never holds more than `RunState.logitChunk` rows of them (a whole window of 512 by default:
    /// larger products run faster, and one window's logits are 100 MB, never a batch's).
    public func windowNLL(_ ids: [Int32], state s: RunState) -> (nll: Double, count: Int) {
        body(ids, state: s)
        let t = ids.count, vocab = config.vocabSize
        var nll = 0.0
        var r0 = 0
        // The last position predicts nothing inside the window.
        while r0 < t - 1 {
            let rows = min(RunState.logitChunk, t - 1 - r0)
            headProduct(rows: rows, a: s.h.row(r0), lda: s.h.columns, state: s, into: s.logits.pointer)
            for r in 0..<rows {
                let row = s.logits.row(r)
                nll += Kernels.logSumExp(row, vocab) - Double(row[Int(ids[r0 + r + 1])])
            }
            r0 += rows
        }
        return (nll, max(0, t - 1))
    }

    /// The log-probability of each target token at its row, and whether it is the row's most likely
    /// token (the first maximum, as argmax takes it), for a packed window. Logits are formed only for the
    /// rows that have targets, a chunk at a time.
    public func targetLogProbabilities(_ ids: [Int32], layout: PackedLayout, targets: [(row: Int, token: Int32)],
                                       state s: RunState) -> [(logProbability: Double, greedy: Bool)] {
        body(ids, state: s, layout: layout)
        let rows = Array(Set(targets.map(\.row))).sorted()
        let vocab = config.vocabSize, d = config.hiddenSize
        var out = [(logProbability: Double, greedy: Bool)](repeating: (0, false), count: targets.count)
        let byRow = Dictionary(grouping: targets.indices, by: { targets[$0].row })
        var c0 = 0
        while c0 < rows.count {
            let chunk = Array(rows[c0..<min(rows.count, c0 + RunState.logitChunk)])
            // Gather the rows' hidden states (into the scratch buffer) and form their logits at once.
            for (i, r) in chunk.enumerated() { s.scratch.row(i).update(from: s.h.row(r), count: d) }
            headProduct(rows: chunk.count, a: s.scratch.pointer, lda: s.scratch.columns, state: s, into: s.logits.pointer)
            for (i, r) in chunk.enumerated() {
                let row = s.logits.row(i)
                var best = 0
                for v in 1..<vocab where row[v] > row[best] { best = v }
                let lse = Kernels.logSumExp(row, vocab)
                for t in byRow[r] ?? [] {
                    let token = Int(targets[t].token)
                    out[t] = (Double(row[token]) - lse, token == best)
                }
            }
            c0 += chunk.count
        }
        return out
    }

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
