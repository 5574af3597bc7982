import Foundation
import ModelIO

/// A tiny random LLaMA written as a GGUF file the way llama.cpp stores one: q/k rows in llama.cpp's
/// interleaved-rotary order, `[out, in]` matrices, an untied output head unless asked otherwise.
public struct TinyLlama {
    public var hidden = 64, ffn = 96, layers = 2, heads = 4, kvHeads = 2, vocab = 100
    public var ropeTheta = 10000.0, eps: Float = 1e-5
    public var tied = false
    public var ffnWidths: [Int]? = nil

    /// Tensors by GGUF name, row-major [rows, columns] values.
    public var tensors: [String: (rows: Int, columns: Int, values: [Float])] = [:]

    public var headDim: Int { hidden / heads }

    public init(seed: UInt64 = 1, configure: (inout TinyLlama) -> Void = { _ in }) {
        configure(&self)
        var rng = SeededRandom(seed: seed)
        func matrix(_ rows: Int, _ columns: Int) -> (Int, Int, [Float]) {
            (rows, columns, rng.uniform(rows * columns, scale: 1 / Float(columns).squareRoot()))
        }
        func norm() -> (Int, Int, [Float]) { (1, hidden, rng.uniform(hidden, scale: 0.2).map { 1 + $0 }) }
        tensors["token_embd.weight"] = matrix(vocab, hidden)
        tensors["output_norm.weight"] = norm()
        if !tied { tensors["output.weight"] = matrix(vocab, hidden) }
        for l in 0..<layers {
            let f = ffnWidths?[l] ?? ffn
            tensors["blk.\(l).attn_norm.weight"] = norm()
            tensors["blk.\(l).attn_q.weight"] = matrix(heads * headDim, hidden)
            tensors["blk.\(l).attn_k.weight"] = matrix(kvHeads * headDim, hidden)
            tensors["blk.\(l).attn_v.weight"] = matrix(kvHeads * headDim, hidden)
            tensors["blk.\(l).attn_output.weight"] = matrix(hidden, heads * headDim)
            tensors["blk.\(l).ffn_norm.weight"] = norm()
            tensors["blk.\(l).ffn_gate.weight"] = matrix(f, hidden)
            tensors["blk.\(l).ffn_up.weight"] = matrix(f, hidden)
            tensors["blk.\(l).ffn_down.weight"] = matrix(hidden, f)
        }
    }

    /// Writes the model, with a byte-level tokenizer vocabulary of `vocab` single-character tokens.
    public func write(to path: String, storage: GGUFWriter.Storage = .f32) throws {
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        w.set("general.name", .string("tiny-random-llama"))
        w.set("llama.block_count", .uint32(UInt32(layers)))
        w.set("llama.context_length", .uint32(256))
        w.set("llama.embedding_length", .uint32(UInt32(hidden)))
        w.set("llama.feed_forward_length", .uint32(UInt32(ffn)))
        w.set("llama.attention.head_count", .uint32(UInt32(heads)))
        w.set("llama.attention.head_count_kv", .uint32(UInt32(kvHeads)))
        w.set("llama.rope.freq_base", .float32(Float(ropeTheta)))
        w.set("llama.attention.layer_norm_rms_epsilon", .float32(eps))
        w.set("tokenizer.ggml.model", .string("gpt2"))
        w.set("tokenizer.ggml.pre", .string("default"))
        // Printable byte-level symbols (GPT-2's table maps "!".."~" to themselves), no merges.
        let symbols = (0..<vocab).map { String(UnicodeScalar(UInt8(33 + $0 % 94))) + ($0 >= 94 ? "\($0)" : "") }
        w.set("tokenizer.ggml.tokens", .array(symbols.map { .string($0) }))
        w.set("tokenizer.ggml.token_type", .array(symbols.map { _ in .int32(1) }))
        w.set("tokenizer.ggml.merges", .array([]))
        w.set("tokenizer.ggml.add_bos_token", .bool(false))
        for name in tensors.keys.sorted() {
            let t = tensors[name]!
            if name.hasSuffix("norm.weight") || name.hasSuffix(".bias") {
                w.addVector(name, values: t.values, storage: storage)
            } else {
                w.addTensor(name, rows: t.rows, columns: t.columns, values: t.values, storage: storage)
            }
        }
        try w.write(to: path)
    }
}
