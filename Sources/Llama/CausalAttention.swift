import Foundation
import Tensor

/// Causal grouped-query attention over one window, as matrix products: for each head and each block of
/// queries, scores against the keys up to the block's end only (the upper triangle is never computed),
/// a masked softmax per row, then the weighted sum of values. Head h reads key/value head h / group.
/// Plain windows' products go through `LaneGemm` where it runs (see `usesLanes`), else a GEMM library.
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
        if layout == nil && (group > 1 || usesLanes(c)) {
            return grouped(state: s, config: c, layer: l, tokens: t, gemm: gemm, scale: scale)
        }
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

    /// Whether plain windows' attention products go through `LaneGemm` (AVX-512, and head dimensions of
    /// whole 16-lane vectors). Timed inside SmolLM2's forward pass, a window's score products took 24 ms
    /// instead of oneDNN's 30 and its value products 23 instead of 27 (oneDNN packs the operands of every
    /// small call). Key counts that are not whole vectors take the library GEMM.
    static func usesLanes(_ c: LlamaConfig) -> Bool { LaneGemm.available && c.headDim % 16 == 0 }

    /// Plain windows with grouped-query attention (or any, with the lane kernel: a group of one): the
    /// query heads that share a key/value head go through the score and value products together (their
    /// query rows one head after another, `group` times the rows per product), so each product reads its
    /// keys and values once for the group on taller matrices. With blocks of 64 queries (an eighth of a
    /// 512-token window's products above the diagonal, where 128 computed a quarter) SmolLM2's attention
    /// took 60 ms a window on one core, against 65-68 ms per head or with 128-query blocks. The lane
    /// kernel reads the queries and writes the outputs in place and normalises the softmax on its output
    /// rows: 60-62 → 57-58 ms a window (layer by layer on one core, five alternating rounds).
    private static func grouped(state s: RunState, config c: LlamaConfig, layer l: Int, tokens t: Int, gemm: GemmBackend, scale: Float) {
        let hd = c.headDim, group = c.queryGroup
        let qStride = s.q.columns, kvStride = s.k.columns
        let block = RunState.attentionBlock
        let queries = s.groupQueries.pointer, outputs = s.groupOutputs.pointer
        let lanes = usesLanes(c)
        for kv in 0..<c.keyValueHeads(layer: l) {
            // The lane kernel reads B's rows: the scores need this head's keys as [headDim, tokens].
            if lanes { LaneGemm.transpose(s.k.pointer + kv * hd, rows: t, columns: hd, lds: kvStride, into: s.keysTransposed.pointer, ldd: s.keysTransposed.columns) }
            var q0 = 0
            while q0 < t {
                let rows = min(block, t - q0), keys = q0 + rows
                // Row g·rows + r is head kv·group + g at query q0 + r: for the lane kernel, the heads' columns
                // of the block's tokens where the projections put them (`inPlace`); for a library GEMM,
                // gathered into a dense matrix.
                let firstHead = kv * group * hd
                let inPlace = LaneGemm.Rows(stride: qStride, groupRows: rows, groupStride: hd)
                if lanes && keys % 16 == 0 {
                    LaneGemm.gemmNN(m: group * rows, n: keys, depth: hd, alpha: scale, a: s.q.pointer + q0 * qStride + firstHead, aRows: inPlace,
                                    b: s.keysTransposed.pointer, ldb: s.keysTransposed.columns, c: s.scores.pointer, cRows: .dense(keys))
                } else {
                    for g in 0..<group {
                        let head = kv * group + g
                        for r in 0..<rows { (queries + (g * rows + r) * hd).update(from: s.q.pointer + (q0 + r) * qStride + head * hd, count: hd) }
                    }
                    gemm.gemmNT(m: group * rows, n: keys, k: hd, alpha: scale, a: queries, lda: hd,
                                b: s.k.pointer + kv * hd, ldb: kvStride, c: s.scores.pointer, ldc: keys)
                }
                // Each head's rows of the block see q0 + 1, q0 + 2, ... keys. With the lane kernel the value
                // product normalises them, on 64 outputs a row instead of up to 512 exponentials.
                for g in 0..<group {
                    Kernels.causalSoftmax(s.scores.pointer + g * rows * keys, rows: rows, width: keys, ld: keys, first: q0 + 1,
                                          inverseSums: lanes ? s.inverseSums.pointer + g * rows : nil)
                }
                if lanes {
                    LaneGemm.gemmNN(m: group * rows, n: hd, depth: keys, rowScale: s.inverseSums.pointer, a: s.scores.pointer, aRows: .dense(keys),
                                    b: s.v.pointer + kv * hd, ldb: kvStride, c: s.attention.pointer + q0 * qStride + firstHead, cRows: inPlace)
                } else {
                    gemm.gemmNN(m: group * rows, n: hd, k: keys, a: s.scores.pointer, lda: keys,
                                b: s.v.pointer + kv * hd, ldb: kvStride, c: outputs, ldc: hd)
                    for g in 0..<group {
                        let head = kv * group + g
                        for r in 0..<rows { (s.attention.pointer + (q0 + r) * qStride + head * hd).update(from: outputs + (g * rows + r) * hd, count: hd) }
                    }
                }
                q0 += rows
            }
        }
    }
}
