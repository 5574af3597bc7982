import Foundation
import ModelIO
import Tensor

/// Builds a `LlamaModel` from a Hugging Face folder: `config.json` plus safetensors weights (one file or
/// shards), under the names the checkpoint uses. F16 and BF16 weights are widened to Float32.
enum LlamaHuggingFaceLoader {
    struct Opened {
        let hf: HuggingFaceConfig
        let config: LlamaConfig
        let checkpoint: SafetensorsCheckpoint
    }

    /// Reads config.json and the safetensors headers, and checks every tensor's shape; no weights yet.
    static func open(folder: String) throws -> Opened {
        let url = URL(fileURLWithPath: folder)
        let configPath = url.appendingPathComponent("config.json").path
        let hf = try HuggingFaceConfig.read(path: configPath)
        let checkpoint = try SafetensorsCheckpoint(folder: folder)
        var widths: [Int] = []
        for l in 0..<hf.numHiddenLayers {
            let name = "model.layers.\(l).mlp.up_proj.weight"
            guard let up = checkpoint[tensor: name] else { throw ModelIOError(folder, "missing tensor \(name)") }
            widths.append(up.rows)
        }
        let config = hf.llamaConfig(intermediateSizes: widths)
        // Tied embeddings: a checkpoint may still carry lm_head.weight (a copy); untied ones must.
        if config.tieWordEmbeddings == false && checkpoint[tensor: "lm_head.weight"] == nil {
            throw ModelIOError(folder, "missing tensor lm_head.weight (config.json says tie_word_embeddings is false)")
        }
        for w in wanted(config, mlpBias: hf.mlpBias == true) {
            guard let info = checkpoint[tensor: w.name] else { throw ModelIOError(folder, "missing tensor \(w.name)") }
            // Norm weights are vectors; a linear module pruned to one row is still a [1, in] matrix.
            let shape = w.vector ? [w.columns] : [w.rows, w.columns]
            guard info.shape == shape else {
                throw ModelIOError(folder, "tensor \(w.name) has shape \(info.shape), expected \(shape) from config.json")
            }
        }
        return Opened(hf: hf, config: config, checkpoint: checkpoint)
    }

    static func wanted(_ c: LlamaConfig, mlpBias: Bool = false) -> [(name: String, rows: Int, columns: Int, vector: Bool)] {
        var list: [(name: String, rows: Int, columns: Int, vector: Bool)] = [
            ("model.embed_tokens.weight", c.vocabSize, c.hiddenSize, false),
            ("model.norm.weight", 1, c.hiddenSize, true),
        ]
        if !c.tieWordEmbeddings { list.append(("lm_head.weight", c.vocabSize, c.hiddenSize, false)) }
        for l in 0..<c.numHiddenLayers {
            let p = "model.layers.\(l).", f = c.intermediateSizes[l]
            list += [
                (p + "input_layernorm.weight", 1, c.hiddenSize, true),
                (p + "self_attn.q_proj.weight", c.queryWidth, c.hiddenSize, false),
                (p + "self_attn.k_proj.weight", c.keyValueWidth, c.hiddenSize, false),
                (p + "self_attn.v_proj.weight", c.keyValueWidth, c.hiddenSize, false),
                (p + "self_attn.o_proj.weight", c.hiddenSize, c.queryWidth, false),
                (p + "post_attention_layernorm.weight", 1, c.hiddenSize, true),
                (p + "mlp.gate_proj.weight", f, c.hiddenSize, false),
                (p + "mlp.up_proj.weight", f, c.hiddenSize, false),
                (p + "mlp.down_proj.weight", c.hiddenSize, f, false),
            ]
            if mlpBias {
                list += [(p + "mlp.gate_proj.bias", 1, f, true), (p + "mlp.up_proj.bias", 1, f, true), (p + "mlp.down_proj.bias", 1, c.hiddenSize, true)]
            }
        }
        return list
    }

    static func load(folder: String) throws -> LlamaModel {
        let opened = try open(folder: folder)
        let c = opened.config
        let list = wanted(c, mlpBias: opened.hf.mlpBias == true)
        // BF16 and F16 matrices are read in place from the map; the rest is converted to Float32.
        var inPlace: [String: Weight] = [:]
        for w in list where !w.vector {
            guard let t = opened.checkpoint.sixteenBit(w.name), t.count == w.rows * w.columns else { continue }
            inPlace[w.name] = Weight(rows: w.rows, columns: w.columns, type: t.bf16 ? .bf16 : .f16,
                                     half: HalfBuffer(mapped: t.values, count: t.count, owner: t.owner))
        }
        let converted = list.filter { inPlace[$0.name] == nil }
        let matrices = converted.map { Matrix(rows: $0.rows, columns: $0.columns) }
        var failure: Error?
        let failureLock = NSLockBox()
        Parallel.forEach(converted.count) { i in
            do {
                let m = matrices[i]
                try opened.checkpoint.read(converted[i].name, into: UnsafeMutableBufferPointer(start: m.pointer, count: m.count))
            } catch {
                failureLock.run { failure = failure ?? error }
            }
        }
        if let failure { throw failure }
        var byName = inPlace
        for (w, m) in zip(converted, matrices) { byName[w.name] = Weight(m) }
        var layers: [LlamaLayer] = []
        for l in 0..<c.numHiddenLayers {
            func m(_ suffix: String) -> Weight { byName["model.layers.\(l).\(suffix).weight"]! }
            var downBias: [Float]? = nil
            if opened.hf.mlpBias == true {
                // Only down_proj's bias is applied; a gate or up bias would enter the SiLU, which this tool does not compute.
                for name in ["mlp.gate_proj", "mlp.up_proj"] where byName["model.layers.\(l).\(name).bias"]!.matrix.values.contains(where: { $0 != 0 }) {
                    throw ModelIOError(folder, "model.layers.\(l).\(name).bias is not zero; only down_proj's bias is supported")
                }
                downBias = byName["model.layers.\(l).mlp.down_proj.bias"]!.matrix.values
            }
            layers.append(LlamaLayer(
                inputNorm: m("input_layernorm").matrix.values, q: m("self_attn.q_proj"), k: m("self_attn.k_proj"),
                v: m("self_attn.v_proj"), o: m("self_attn.o_proj"), postAttentionNorm: m("post_attention_layernorm").matrix.values,
                gate: m("mlp.gate_proj"), up: m("mlp.up_proj"), down: m("mlp.down_proj"), downOutputs: nil, downBias: downBias))
        }
        let weights = LlamaWeights(embedding: byName["model.embed_tokens.weight"]!, layers: layers,
                                   finalNorm: byName["model.norm.weight"]!.matrix.values, lmHead: byName["lm_head.weight"])
        return LlamaModel(config: c, weights: weights)
    }
}
