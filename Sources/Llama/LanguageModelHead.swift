import Foundation
import Tensor

extension LlamaModel {
    /// Summed negative log-likelihood of ids[1...] given their prefixes within one window, and how many
    /// positions were scored. Logits are formed a chunk of rows at a time and consumed at once, so a
    /// window never holds more than `RunState.logitChunk` rows of them (a whole window of 512 by default:
    /// larger products run faster, and one window's logits are 100 MB, never a batch's).
    public func windowNLL(_ ids: [Int32], state s: RunState) -> (nll: Double, count: Int) {
        body(ids, state: s)
        let t = ids.count, head = outputTransposed, vocab = config.vocabSize
        var nll = 0.0
        var r0 = 0
        // The last position predicts nothing inside the window.
        while r0 < t - 1 {
            let rows = min(RunState.logitChunk, t - 1 - r0)
            BLAS.gemmNN(m: rows, n: vocab, k: config.hiddenSize, a: s.h.row(r0), lda: s.h.columns,
                        b: head.pointer, ldb: vocab, c: s.logits.pointer, ldc: vocab)
            for r in 0..<rows {
                let row = s.logits.row(r)
                nll += Kernels.logSumExp(row, vocab) - Double(row[Int(ids[r0 + r + 1])])
            }
            r0 += rows
        }
        return (nll, max(0, t - 1))
    }

    /// Full logits [tokens, vocab] of one window (for tests and small inputs).
    public func logits(_ ids: [Int32]) -> Matrix {
        let s = makeState(tokens: ids.count)
        body(ids, state: s)
        let head = weights.outputMatrix
        let out = Matrix(rows: ids.count, columns: config.vocabSize)
        BLAS.gemmNT(m: ids.count, n: config.vocabSize, k: config.hiddenSize, a: s.h.pointer, lda: s.h.columns,
                    b: head.pointer, ldb: head.columns, c: out.pointer, ldc: out.columns)
        return out
    }
}
