import Foundation
import Tensor

/// Causal grouped-query attention over one window, as BLAS calls: for each head and each block of
/// queries, scores against the keys up to the block's end only (the upper triangle is never computed),
/// a masked softmax per row, then the weighted sum of values. Head h reads key/value head h / group.
enum CausalAttention {
    static func run(state s: RunState, config c: LlamaConfig, layer l: Int, tokens t: Int, layout: PackedLayout?,
                    backend: GemmBackend) {
        // oneDNN makes a primitive per shape: worth it for plain windows, whose blocks repeat the same few
        // shapes, not for packed ones, whose key ranges vary with every request.
        let gemm = layout == nil ? backend : .openBLAS
        let hd = c.headDim, group = c.queryGroup
        // The buffers are as wide as the widest layer; a layer with pruned heads uses their first columns.
        let qStride = s.q.columns, kvStride = s.k.columns
        let scale = 1 / Float(hd).squareRoot()
        let block = RunState.attentionBlock
        for h in 0..<c.attentionHeads(layer: l) {
            let kv = h / group
            var q0 = 0
            while q0 < t {
                let rows = min(block, t - q0)
                // Keys from the first one any row of the block sees (packed: its prefix or segment).
                let k0 = layout?.firstKey(q0..<q0 + rows) ?? 0, keys = q0 + rows - k0
                gemm.gemmNT(m: rows, n: keys, k: hd, alpha: scale,
                            a: s.q.pointer + q0 * qStride + h * hd, lda: qStride,
                            b: s.k.pointer + k0 * kvStride + kv * hd, ldb: kvStride,
                            c: s.scores.pointer, ldc: keys)
                for r in 0..<rows {
                    let row = s.scores.pointer + r * keys, i = q0 + r
                    if let l = layout {
                        let own = Int(l.segmentStart[i]) - k0..<i + 1 - k0
                        let shared = Int(l.prefixStart[i]) - k0..<Int(l.prefixEnd[i]) - k0
                        Kernels.softmax(row, keys, over: shared.isEmpty ? own.lowerBound..<own.lowerBound : shared, and: own)
                    } else {
                        let visible = i + 1
                        Kernels.softmax(row, visible)
                        if visible < keys { (row + visible).update(repeating: 0, count: keys - visible) }
                    }
                }
                gemm.gemmNN(m: rows, n: hd, k: keys,
                            a: s.scores.pointer, lda: keys,
                            b: s.v.pointer + k0 * kvStride + kv * hd, ldb: kvStride,
                            c: s.attention.pointer + q0 * qStride + h * hd, ldc: qStride)
                q0 += rows
            }
        }
    }
}
