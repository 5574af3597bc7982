import Foundation
import Llama
import ModelIO
import Tensor

/// Writes a (pruned) model as a GGUF file that llama.cpp and this tool both load: llama.cpp tensor
/// names and q/k row order, per-layer FFN widths in `llama.feed_forward_length` (an array when layers
/// differ), and the source file's tokenizer and general metadata carried over.
public enum ModelExport {
    public static func gguf(_ model: LlamaModel, source: GGUFFile, to path: String, storage: GGUFWriter.Storage = .f32,
                            extraMetadata: [(String, GGUFValue)] = []) throws {
        let c = model.config
        var w = GGUFWriter()
        for key in source.metadataKeys where key.hasPrefix("general.") || key.hasPrefix("tokenizer.") {
            guard key != "general.alignment", key != "general.file_type", let value = source.metadata[key] else { continue }
            w.set(key, value)
        }
        w.set("general.architecture", .string("llama"))
        w.set("general.file_type", .uint32(storage == .f32 ? 0 : 1))
        w.set("llama.block_count", .uint32(UInt32(c.numHiddenLayers)))
        w.set("llama.context_length", .uint32(UInt32(c.maxPositionEmbeddings)))
        w.set("llama.embedding_length", .uint32(UInt32(c.hiddenSize)))
        let widths = c.intermediateSizes
        w.set("llama.feed_forward_length", Set(widths).count == 1 ? .uint32(UInt32(widths[0])) : .array(widths.map { .uint32(UInt32($0)) }))
        w.set("llama.attention.head_count", .uint32(UInt32(c.numAttentionHeads)))
        w.set("llama.attention.head_count_kv", .uint32(UInt32(c.numKeyValueHeads)))
        w.set("llama.attention.key_length", .uint32(UInt32(c.headDim)))
        w.set("llama.attention.value_length", .uint32(UInt32(c.headDim)))
        w.set("llama.rope.dimension_count", .uint32(UInt32(c.headDim)))
        w.set("llama.rope.freq_base", .float32(Float(c.ropeTheta)))
        w.set("llama.attention.layer_norm_rms_epsilon", .float32(Float(c.rmsNormEps)))
        w.set("llama.vocab_size", .uint32(UInt32(c.vocabSize)))
        for (k, v) in extraMetadata { w.set(k, v) }

        func add(_ name: String, _ m: Matrix) { w.addTensor(name, rows: m.rows, columns: m.columns, values: m.values, storage: storage) }
        func add(_ name: String, vector: [Float]) { w.addTensor(name, rows: 1, columns: vector.count, values: vector, storage: .f32) }
        func permuted(_ m: Matrix, heads: Int) -> Matrix {
            let out = Matrix(rows: m.rows, columns: m.columns)
            RotaryPermutation.toGGUF(m.pointer, rows: m.rows, columns: m.columns, heads: heads, into: out.pointer)
            return out
        }

        add("token_embd.weight", model.weights.embedding)
        add("output_norm.weight", vector: model.weights.finalNorm)
        if let head = model.weights.lmHead { add("output.weight", head) }
        for (l, layer) in model.weights.layers.enumerated() {
            add("blk.\(l).attn_norm.weight", vector: layer.inputNorm)
            add("blk.\(l).attn_q.weight", permuted(layer.q, heads: c.numAttentionHeads))
            add("blk.\(l).attn_k.weight", permuted(layer.k, heads: c.numKeyValueHeads))
            add("blk.\(l).attn_v.weight", layer.v)
            add("blk.\(l).attn_output.weight", layer.o)
            add("blk.\(l).ffn_norm.weight", vector: layer.postAttentionNorm)
            add("blk.\(l).ffn_gate.weight", layer.gate)
            add("blk.\(l).ffn_up.weight", layer.up)
            add("blk.\(l).ffn_down.weight", fullDown(layer, hidden: c.hiddenSize))
        }
        try w.write(to: path)
    }

    /// down_proj with every hidden row: rows a shrunk model dropped come back as zeros (they were zero
    /// when pruned), so the file has the standard shape.
    static func fullDown(_ layer: LlamaLayer, hidden: Int) -> Matrix {
        guard let outputs = layer.downOutputs else { return layer.down }
        let full = Matrix(rows: hidden, columns: layer.down.columns)
        for (j, channel) in outputs.enumerated() { full.row(channel).update(from: layer.down.row(j), count: layer.down.columns) }
        return full
    }
}
