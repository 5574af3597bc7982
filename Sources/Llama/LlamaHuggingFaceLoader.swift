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
        let matrices = list.map { Matrix(rows: $0.rows, columns: $0.columns) }
        var failure: Error?
        let failureLock = NSLockBox()
        Parallel.forEach(list.count) { i in
            do {
                let m = matrices[i]
                try opened.checkpoint.read(list[i].name, into: UnsafeMutableBufferPointer(start: m.pointer, count: m.count))
            } catch {
                failureLock.run { failure = failure ?? error }
            }
        }
        if let failure { throw failure }
        var byName: [String: Matrix] = [:]
        for (w, m) in zip(list, matrices) { byName[w.name] = m }
        var layers: [LlamaLayer] = []
        for l in 0..<c.numHiddenLayers {
            func m(_ suffix: String) -> Matrix { byName["model.layers.\(l).\(suffix).weight"]! }
            var downBias: [Float]? = nil
            if opened.hf.mlpBias == true {
                // Only down_proj's bias is applied; a gate or up bias would enter the SiLU, which this tool does not compute.
                for name in ["mlp.gate_proj", "mlp.up_proj"] where byName["model.layers.\(l).\(name).bias"]!.values.contains(where: { $0 != 0 }) {
                    throw ModelIOError(folder, "model.layers.\(l).\(name).bias is not zero; only down_proj's bias is supported")
                }
                downBias = byName["model.layers.\(l).mlp.down_proj.bias"]!.values
            }
            layers.append(LlamaLayer(
                inputNorm: m("input_layernorm").values, q: m("self_attn.q_proj"), k: m("self_attn.k_proj"),
                v: m("self_attn.v_proj"), o: m("self_attn.o_proj"), postAttentionNorm: m("post_attention_layernorm").values,
                gate: m("mlp.gate_proj"), up: m("mlp.up_proj"), down: m("mlp.down_proj"), downOutputs: nil, downBias: downBias))
        }
        let weights = LlamaWeights(embedding: byName["model.embed_tokens.weight"]!, layers: layers,
                                   finalNorm: byName["model.norm.weight"]!.values, lmHead: byName["lm_head.weight"])
        return LlamaModel(config: c, weights: weights)
    }
}
