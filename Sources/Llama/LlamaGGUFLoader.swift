import ModelIO
import Tensor

/// Builds a `LlamaModel` from a GGUF file: configuration from the `llama.*` metadata, weights under their
/// Hugging Face names (BF16/F16 ones read in place, the others dequantized to Float32), q/k rows returned
/// to Hugging Face order.
enum LlamaGGUFLoader {
    static func config(of file: GGUFFile) throws -> LlamaConfig {
        let path = file.path
        guard let arch = file.architecture else { throw ModelIOError(path, "no general.architecture in the metadata") }
        guard arch == "llama" else {
            throw ModelIOError(path, "architecture \"\(arch)\" is not supported (this tool runs llama)")
        }
        if let scaling = file.metadata["llama.rope.scaling.type"]?.string, scaling != "none" {
            throw ModelIOError(path, "rope scaling \"\(scaling)\" is not supported")
        }
        // Every size is range-checked before it divides, sizes an allocation or multiplies another.
        func size(_ key: String, default fallback: Int? = nil, in range: ClosedRange<Int> = 1...LlamaConfig.maxSize) throws -> Int {
            guard let value = file.metadata["llama.\(key)"] else {
                guard let fallback else { throw ModelIOError(path, "missing metadata llama.\(key)") }
                return fallback
            }
            guard let v = value.int, range.contains(v) else {
                throw ModelIOError(path, "llama.\(key) is \(value.summary); it must be an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            return v
        }
        func number(_ key: String, default fallback: Double, positive: Bool) throws -> Double {
            guard let value = file.metadata["llama.\(key)"] else { return fallback }
            guard let v = value.shortestDouble, v.isFinite, positive ? v > 0 : v >= 0 else {
                throw ModelIOError(path, "llama.\(key) is \(value.summary); it must be a \(positive ? "positive" : "non-negative") number")
            }
            return v
        }
        let hidden = try size("embedding_length")
        let layers = try size("block_count")
        // Head counts are one number, or (as llama.cpp's loader also reads them) one per layer once heads
        // were pruned; every layer must keep the same number of query heads per key/value head.
        func counts(_ key: String, default fallback: [Int]? = nil) throws -> [Int] {
            guard case .array(let items)? = file.metadata["llama.\(key)"] else {
                if file.metadata["llama.\(key)"] == nil, let fallback { return fallback }
                return [Int](repeating: try size(key), count: layers)
            }
            guard items.count == layers else {
                throw ModelIOError(path, "llama.\(key) lists \(items.count) values for \(layers) layers")
            }
            return try items.map { item in
                guard let v = item.int, (1...LlamaConfig.maxSize).contains(v) else {
                    throw ModelIOError(path, "llama.\(key) holds \(item.summary); each must be an integer in 1...\(LlamaConfig.maxSize)")
                }
                return v
            }
        }
        let headCounts = try counts("attention.head_count")
        let kvCounts = try counts("attention.head_count_kv", default: headCounts)
        let heads = headCounts.max() ?? 1, kvHeads = kvCounts.max() ?? 1
        guard heads % kvHeads == 0 else {
            throw ModelIOError(path, "llama.attention.head_count \(heads) is not a multiple of llama.attention.head_count_kv \(kvHeads)")
        }
        for l in 0..<layers where headCounts[l] != kvCounts[l] * (heads / kvHeads) {
            throw ModelIOError(path, "layer \(l) has \(headCounts[l]) attention heads for \(kvCounts[l]) key/value heads; every layer must have \(heads / kvHeads) per key/value head")
        }
        let headDim: Int
        if file.metadata["llama.attention.key_length"] != nil {
            headDim = try size("attention.key_length")
            guard headDim % 2 == 0 else {
                throw ModelIOError(path, "llama.attention.key_length is \(headDim); rotary embeddings need an even head size")
            }
        } else {
            headDim = hidden / heads
            guard hidden % heads == 0, headDim % 2 == 0 else {
                throw ModelIOError(path, "llama.embedding_length \(hidden) / llama.attention.head_count \(heads) does not give an even head size, and no llama.attention.key_length says what it is")
            }
        }
        let context = try size("context_length", default: 2048, in: 1...LlamaConfig.maxContext)
        let ropeTheta = try number("rope.freq_base", default: 10000, positive: true)
        let eps = try number("attention.layer_norm_rms_epsilon", default: 1e-5, positive: false)
        // Per-layer FFN widths come from the tensors themselves, so shrunk models load too.
        var widths: [Int] = []
        for l in 0..<layers {
            guard let up = file[tensor: "blk.\(l).ffn_up.weight"] else { throw ModelIOError(path, "missing tensor blk.\(l).ffn_up.weight") }
            widths.append(up.rows)
        }
        guard let embedding = file[tensor: "token_embd.weight"] else { throw ModelIOError(path, "missing tensor token_embd.weight") }
        var config = LlamaConfig(
            hiddenSize: hidden, intermediateSizes: widths, numHiddenLayers: layers,
            numAttentionHeads: heads, numKeyValueHeads: kvHeads, headDim: headDim,
            vocabSize: embedding.rows,
            ropeTheta: ropeTheta, rmsNormEps: eps,
            tieWordEmbeddings: file[tensor: "output.weight"] == nil,
            maxPositionEmbeddings: context)
        if Set(kvCounts).count > 1 { config.keyValueHeadCounts = kvCounts }
        return config
    }

    static func load(_ file: GGUFFile) throws -> LlamaModel {
        let config = try config(of: file)
        let path = file.path
        let c = config

        // Every tensor to read, with the shape the forward pass expects.
        var wanted: [(name: String, rows: Int, columns: Int, heads: Int?)] = [
            ("token_embd.weight", c.vocabSize, c.hiddenSize, nil),
            ("output_norm.weight", 1, c.hiddenSize, nil),
        ]
        if !c.tieWordEmbeddings { wanted.append(("output.weight", c.vocabSize, c.hiddenSize, nil)) }
        for l in 0..<c.numHiddenLayers {
            let f = c.intermediateSizes[l]
            wanted += [
                ("blk.\(l).attn_norm.weight", 1, c.hiddenSize, nil),
                ("blk.\(l).attn_q.weight", c.queryWidth(layer: l), c.hiddenSize, c.attentionHeads(layer: l)),
                ("blk.\(l).attn_k.weight", c.keyValueWidth(layer: l), c.hiddenSize, c.keyValueHeads(layer: l)),
                ("blk.\(l).attn_v.weight", c.keyValueWidth(layer: l), c.hiddenSize, nil),
                ("blk.\(l).attn_output.weight", c.hiddenSize, c.queryWidth(layer: l), nil),
                ("blk.\(l).ffn_norm.weight", 1, c.hiddenSize, nil),
                ("blk.\(l).ffn_gate.weight", f, c.hiddenSize, nil),
                ("blk.\(l).ffn_up.weight", f, c.hiddenSize, nil),
                ("blk.\(l).ffn_down.weight", c.hiddenSize, f, nil),
            ]
            // An FFN output bias (FLAP-style compensation) is optional, as llama.cpp treats it; gate and
            // up biases would enter the SiLU, which this tool does not compute, so they are refused.
            if file[tensor: "blk.\(l).ffn_down.bias"] != nil { wanted.append(("blk.\(l).ffn_down.bias", 1, c.hiddenSize, nil)) }
            for name in ["blk.\(l).ffn_gate.bias", "blk.\(l).ffn_up.bias"] where file[tensor: name] != nil {
                throw ModelIOError(path, "tensor \(name): FFN gate/up biases are not supported (only ffn_down.bias)")
            }
        }
        var infos: [GGUFFile.TensorInfo] = []
        for w in wanted {
            guard let info = file[tensor: w.name] else { throw ModelIOError(path, "missing tensor \(w.name)") }
            guard info.rows == w.rows, info.columns == w.columns else {
                throw ModelIOError(path, "tensor \(w.name) has shape [\(info.rows), \(info.columns)], expected [\(w.rows), \(w.columns)]")
            }
            infos.append(info)
        }

        // BF16 and F16 weights stay as stored, read in place from the map (q and k copied once, to undo
        // llama.cpp's row order); every other tensor is dequantized to Float32 on every core.
        var weightsByName: [String: Weight] = [:]
        var dequantized: [Int] = []
        for (i, (w, info)) in zip(wanted, infos).enumerated() {
            let raw = file.data(of: info)
            let sixteen: WeightType? = info.type == .bf16 ? .bf16 : info.type == .f16 ? .f16 : nil
            guard let type = sixteen, !w.name.hasSuffix("norm.weight"), !w.name.hasSuffix(".bias"),
                  raw.count == info.rows * info.columns * 2, let base = raw.baseAddress,
                  Int(bitPattern: base) % 2 == 0 else {
                dequantized.append(i)
                continue
            }
            let values = base.assumingMemoryBound(to: UInt16.self), n = info.rows * info.columns
            let half: HalfBuffer
            if let heads = w.heads {
                let out = HalfStorage(count: n)
                RotaryPermutation.toHuggingFace(values, rows: info.rows, columns: info.columns, heads: heads, into: out.pointer)
                half = HalfBuffer(owning: out)
                // The copy is what the model reads; the map's pages of it need not stay resident.
                HalfBuffer(mapped: values, count: n, owner: file).releaseResidentPages()
            } else {
                half = HalfBuffer(mapped: values, count: n, owner: file)
            }
            weightsByName[w.name] = Weight(rows: info.rows, columns: info.columns, type: type, half: half)
        }
        let matrices = dequantized.map { Matrix(rows: infos[$0].rows, columns: infos[$0].columns) }
        var failure: Error?
        let failureLock = NSLockBox()
        Parallel.forEach(dequantized.count) { j in
            do {
                let i = dequantized[j], info = infos[i], m = matrices[j]
                let dst = UnsafeMutableBufferPointer(start: m.pointer, count: m.count)
                if let heads = wanted[i].heads {
                    let tmp = Matrix(rows: m.rows, columns: m.columns)
                    try Dequantize.run(info.type, from: file.data(of: info), into: UnsafeMutableBufferPointer(start: tmp.pointer, count: tmp.count))
                    RotaryPermutation.toHuggingFace(UnsafePointer(tmp.pointer), rows: m.rows, columns: m.columns, heads: heads, into: m.pointer)
                } else {
                    try Dequantize.run(info.type, from: file.data(of: info), into: dst)
                }
            } catch {
                failureLock.run { failure = failure ?? error }
            }
        }
        if let failure {
            if let e = failure as? ModelIOError, e.path.isEmpty { throw ModelIOError(path, e.problem) }
            throw failure
        }

        for (j, i) in dequantized.enumerated() { weightsByName[wanted[i].name] = Weight(matrices[j]) }
        let byName = weightsByName
        func vector(_ name: String) -> [Float] { byName[name]!.matrix.values }
        var layers: [LlamaLayer] = []
        for l in 0..<c.numHiddenLayers {
            let down = byName["blk.\(l).ffn_down.weight"]!
            layers.append(LlamaLayer(
                inputNorm: vector("blk.\(l).attn_norm.weight"),
                q: byName["blk.\(l).attn_q.weight"]!, k: byName["blk.\(l).attn_k.weight"]!,
                v: byName["blk.\(l).attn_v.weight"]!, o: byName["blk.\(l).attn_output.weight"]!,
                postAttentionNorm: vector("blk.\(l).ffn_norm.weight"),
                gate: byName["blk.\(l).ffn_gate.weight"]!, up: byName["blk.\(l).ffn_up.weight"]!,
                down: down, downOutputs: nil, downBias: byName["blk.\(l).ffn_down.bias"].map { $0.matrix.values }))
        }
        let weights = LlamaWeights(embedding: byName["token_embd.weight"]!, layers: layers,
                                   finalNorm: vector("output_norm.weight"), lmHead: byName["output.weight"])
        return LlamaModel(config: config, weights: weights)
    }
}

/// A tiny lock wrapper for collecting the first error from worker threads.
final class NSLockBox: @unchecked Sendable {
    private let lock = NSLock()
    func run(_ body: () -> Void) {
        lock.lock()
        body()
        lock.unlock()
    }
}

import Foundation
