/// llama.cpp's tensor names ↔ the Hugging Face names (`model.layers.N.mlp.up_proj.weight`) the rest of
/// the tool uses, so structure paths in scripts read as they do in a PyTorch checkpoint.
public enum TensorNames {
    private static let perLayer: [(gguf: String, hf: String)] = [
        ("attn_norm.weight", "input_layernorm.weight"),
        ("attn_q.weight", "self_attn.q_proj.weight"),
        ("attn_k.weight", "self_attn.k_proj.weight"),
        ("attn_v.weight", "self_attn.v_proj.weight"),
        ("attn_output.weight", "self_attn.o_proj.weight"),
        ("ffn_norm.weight", "post_attention_layernorm.weight"),
        ("ffn_gate.weight", "mlp.gate_proj.weight"),
        ("ffn_up.weight", "mlp.up_proj.weight"),
        ("ffn_down.weight", "mlp.down_proj.weight"),
    ]
    private static let global: [(gguf: String, hf: String)] = [
        ("token_embd.weight", "model.embed_tokens.weight"),
        ("output_norm.weight", "model.norm.weight"),
        ("output.weight", "lm_head.weight"),
    ]

    /// The Hugging Face name of a llama.cpp tensor, or nil for names outside the LLaMA layout.
    public static func huggingFace(fromGGUF name: String) -> String? {
        if let g = global.first(where: { $0.gguf == name }) { return g.hf }
        let parts = name.split(separator: ".", maxSplits: 2)
        guard parts.count == 3, parts[0] == "blk", let layer = Int(parts[1]) else { return nil }
        guard let p = perLayer.first(where: { $0.gguf == String(parts[2]) }) else { return nil }
        return "model.layers.\(layer).\(p.hf)"
    }

    /// The llama.cpp name of a Hugging Face tensor, or nil for names outside the LLaMA layout.
    public static func gguf(fromHuggingFace name: String) -> String? {
        if let g = global.first(where: { $0.hf == name }) { return g.gguf }
        let prefix = "model.layers."
        guard name.hasPrefix(prefix) else { return nil }
        let rest = name.dropFirst(prefix.count)
        guard let dot = rest.firstIndex(of: "."), let layer = Int(rest[..<dot]) else { return nil }
        let suffix = String(rest[rest.index(after: dot)...])
        guard let p = perLayer.first(where: { $0.hf == suffix }) else { return nil }
        return "blk.\(layer).\(p.gguf)"
    }
}
