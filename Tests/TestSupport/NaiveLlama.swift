import Foundation

/// A deliberately plain LLaMA forward pass, one token at a time with a key/value cache, in Float64,
/// reading weights in llama.cpp's GGUF order and applying rotary embeddings the way llama.cpp does
/// (interleaved pairs 2i, 2i+1). Independent of the library's BLAS path, rotate-half RoPE and q/k
/// un-permutation, so agreement checks all three.
public struct NaiveLlama {
    let m: TinyLlama
    /// Round every matrix–vector product's weight and input to bfloat16 first (what `precision bf16`
    /// promises), keeping the sums in Float64.
    let bf16: Bool

    public init(_ model: TinyLlama, bf16: Bool = false) {
        m = model
        self.bf16 = bf16
    }

    /// x rounded to the nearest bfloat16, ties to even, written out here from the bit layout (the top
    /// 16 bits of a Float32) rather than taken from the library.
    static func bf16(_ x: Double) -> Double {
        let bits = Float(x).bitPattern
        let lower = bits & 0xFFFF, upper = bits & 0xFFFF_0000
        let roundUp = lower > 0x8000 || (lower == 0x8000 && (upper >> 16) & 1 == 1)
        return Double(Float(bitPattern: roundUp ? upper &+ 0x1_0000 : upper))
    }

    func w(_ name: String) -> (rows: Int, columns: Int, values: [Double]) {
        let t = m.tensors[name]!
        return (t.rows, t.columns, t.values.map(Double.init))
    }

    func matvec(_ name: String, _ x: [Double]) -> [Double] {
        var t = w(name), x = x
        if bf16 {
            t.values = t.values.map(Self.bf16)
            x = x.map(Self.bf16)
        }
        return (0..<t.rows).map { r in (0..<t.columns).reduce(0.0) { $0 + t.values[r * t.columns + $1] * x[$1] } }
    }

    func rmsNorm(_ x: [Double], _ name: String) -> [Double] {
        let g = w(name).values
        let ms = x.reduce(0) { $0 + $1 * $1 } / Double(x.count)
        let s = 1 / (ms + Double(m.eps)).squareRoot()
        return x.indices.map { x[$0] * s * g[$0] }
    }

    func rope(_ x: inout [Double], heads: Int, position: Int) {
        let d = m.headDim
        for h in 0..<heads {
            for i in 0..<d / 2 {
                let angle = Double(position) * pow(m.ropeTheta, -Double(2 * i) / Double(d))
                let a = x[h * d + 2 * i], b = x[h * d + 2 * i + 1]
                x[h * d + 2 * i] = a * cos(angle) - b * sin(angle)
                x[h * d + 2 * i + 1] = a * sin(angle) + b * cos(angle)
            }
        }
    }

    /// Logits for every position of `ids`, [position][vocab].
    public func logits(_ ids: [Int]) -> [[Double]] { run(ids, observe: nil) }

    /// The FFN activation h = silu(gate)·up of every block at every position of `ids`: [layer][position][neuron].
    public func ffnActivations(_ ids: [Int]) -> [[[Double]]] {
        var out = Array(repeating: [[Double]](), count: m.layers)
        _ = run(ids) { l, h in out[l].append(h) }
        return out
    }

    /// Every block's attention output (o_proj's input) at every position: [layer][position][heads·headDim].
    public func attentionOutputs(_ ids: [Int]) -> [[[Double]]] {
        var out = Array(repeating: [[Double]](), count: m.layers)
        _ = run(ids, observe: nil, attention: { l, a in out[l].append(a) })
        return out
    }

    /// The residual stream entering every block and leaving the last: [block 0...layers][position][hidden].
    public func residuals(_ ids: [Int]) -> [[[Double]]] {
        var out = Array(repeating: [[Double]](), count: m.layers + 1)
        _ = run(ids, observe: nil) { l, x in out[l].append(x) }
        return out
    }

    /// The forward pass; `observe` sees each block's FFN activation, position by position, and
    /// `residual` the hidden state entering block l (l = layers: leaving the last). A tensor
    /// `blk.N.ffn_down.bias`, when the model has one, is added to down_proj's output.
    func run(_ ids: [Int], observe: ((Int, [Double]) -> Void)?, residual: ((Int, [Double]) -> Void)? = nil,
             attention seen: ((Int, [Double]) -> Void)? = nil) -> [[Double]] {
        let d = m.headDim, group = m.heads / m.kvHeads
        var keys = Array(repeating: [[Double]](), count: m.layers)
        var values = keys
        var out: [[Double]] = []
        let embedding = w("token_embd.weight")
        for (p, id) in ids.enumerated() {
            var x = Array(embedding.values[id * m.hidden..<(id + 1) * m.hidden])
            for l in 0..<m.layers {
                residual?(l, x)
                let h = rmsNorm(x, "blk.\(l).attn_norm.weight")
                var q = matvec("blk.\(l).attn_q.weight", h)
                var k = matvec("blk.\(l).attn_k.weight", h)
                let v = matvec("blk.\(l).attn_v.weight", h)
                rope(&q, heads: m.heads, position: p)
                rope(&k, heads: m.kvHeads, position: p)
                keys[l].append(k)
                values[l].append(v)
                var attention = [Double](repeating: 0, count: m.heads * d)
                for head in 0..<m.heads {
                    let kv = head / group
                    let scores = (0...p).map { j in
                        (0..<d).reduce(0.0) { $0 + q[head * d + $1] * keys[l][j][kv * d + $1] } / Double(d).squareRoot()
                    }
                    let top = scores.max()!
                    let e = scores.map { exp($0 - top) }
                    let z = e.reduce(0, +)
                    for j in 0...p {
                        for i in 0..<d { attention[head * d + i] += e[j] / z * values[l][j][kv * d + i] }
                    }
                }
                seen?(l, attention)
                let o = matvec("blk.\(l).attn_output.weight", attention)
                for i in x.indices { x[i] += o[i] }
                let h2 = rmsNorm(x, "blk.\(l).ffn_norm.weight")
                let g = matvec("blk.\(l).ffn_gate.weight", h2), u = matvec("blk.\(l).ffn_up.weight", h2)
                let a = g.indices.map { g[$0] / (1 + exp(-g[$0])) * u[$0] }
                observe?(l, a)
                var down = matvec("blk.\(l).ffn_down.weight", a)
                if m.tensors["blk.\(l).ffn_down.bias"] != nil {
                    let b = w("blk.\(l).ffn_down.bias").values
                    for i in down.indices { down[i] += b[i] }
                }
                for i in x.indices { x[i] += down[i] }
            }
            residual?(m.layers, x)
            let final = rmsNorm(x, "output_norm.weight")
            out.append(matvec(m.tied ? "token_embd.weight" : "output.weight", final))
        }
        return out
    }
}
