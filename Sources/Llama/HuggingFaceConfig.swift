import Foundation
import ModelIO

/// A Hugging Face `config.json` for `LlamaForCausalLM` and the models that share its architecture
/// (SmolLM, TinyLlama, Open-LLaMA, ...), decoded with `Codable`. Settings that change the computation
/// in ways this tool does not implement are refused by name when the file is read, never ignored.
public struct HuggingFaceConfig: Codable, Sendable, Equatable {
    public var architectures: [String]?
    public var modelType: String?
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var numKeyValueHeads: Int?
    public var headDim: Int?
    public var vocabSize: Int
    public var ropeTheta: Double?
    /// transformers 5 moves rope_theta here, with `rope_type`.
    public var ropeParameters: RopeParameters?
    public var ropeScaling: RopeParameters?
    public var rmsNormEps: Double?
    public var tieWordEmbeddings: Bool?
    public var maxPositionEmbeddings: Int?
    public var hiddenAct: String?
    public var attentionBias: Bool?
    public var mlpBias: Bool?
    public var bosTokenId: Int?
    public var eosTokenId: EOSTokenIDs?
    public var torchDtype: String?
    /// Written by this tool when a pruned model's layers keep different FFN widths: the checkpoint pads
    /// them to `intermediate_size` with zero neurons, and this records the widths that carry weights.
    public var pruneIntermediateSizes: [Int]?
    /// Written by this tool when a pruned model's layers keep different numbers of key/value heads: the
    /// checkpoint pads them to `num_key_value_heads` with zero heads, and this records the real counts.
    public var pruneKeyValueHeads: [Int]?

    public struct RopeParameters: Codable, Sendable, Equatable {
        public var ropeType: String?
        public var type: String?
        public var ropeTheta: Double?
        public var factor: Double?

        enum CodingKeys: String, CodingKey { case ropeType = "rope_type", type, ropeTheta = "rope_theta", factor }
    }

    /// `eos_token_id` is an integer or a list of them.
    public enum EOSTokenIDs: Codable, Sendable, Equatable {
        case one(Int), many([Int])

        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Int.self) { self = .one(v) } else { self = .many(try c.decode([Int].self)) }
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .one(let v): try c.encode(v)
            case .many(let v): try c.encode(v)
            }
        }

        public var first: Int? {
            switch self {
            case .one(let v): v
            case .many(let v): v.first
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case architectures, modelType = "model_type", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads", headDim = "head_dim", vocabSize = "vocab_size"
        case ropeTheta = "rope_theta", ropeParameters = "rope_parameters", ropeScaling = "rope_scaling"
        case rmsNormEps = "rms_norm_eps", tieWordEmbeddings = "tie_word_embeddings"
        case maxPositionEmbeddings = "max_position_embeddings", hiddenAct = "hidden_act"
        case attentionBias = "attention_bias", mlpBias = "mlp_bias", bosTokenId = "bos_token_id", eosTokenId = "eos_token_id"
        case torchDtype = "dtype", pruneIntermediateSizes = "prune_intermediate_sizes", pruneKeyValueHeads = "prune_num_key_value_heads"
    }

    /// Architectures whose forward pass is LLaMA's.
    static let supportedArchitectures: Set<String> = ["LlamaForCausalLM"]
    /// Keys that would change the computation and that this tool does not implement, when set.
    static let unsupportedKeys = ["sliding_window", "attn_logit_softcapping", "final_logit_softcapping", "qk_layernorm",
                                  "use_qk_norm", "partial_rotary_factor", "residual_multiplier", "embedding_multiplier",
                                  "attention_multiplier", "logits_scaling", "no_rope_layers"]

    /// Reads and checks `config.json`.
    public static func read(path: String) throws -> HuggingFaceConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelIOError(path, "no such file (a Hugging Face model folder needs its config.json)")
        }
        let config: HuggingFaceConfig
        do {
            config = try JSONDecoder().decode(HuggingFaceConfig.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw ModelIOError(path, "missing \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw ModelIOError(path, "\"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type")
        } catch {
            throw ModelIOError(path, "not a JSON config: \(error.localizedDescription)")
        }
        let raw = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        try config.check(path: path, raw: raw)
        return config
    }

    func check(path: String, raw: [String: Any]) throws {
        let archs = architectures ?? []
        if let other = archs.first(where: { !Self.supportedArchitectures.contains($0) }) {
            throw ModelIOError(path, "architecture \(other) is not supported (this tool runs LlamaForCausalLM)")
        }
        if archs.isEmpty, let type = modelType, type != "llama" {
            throw ModelIOError(path, "model_type \"\(type)\" is not supported (this tool runs llama)")
        }
        for scaling in [ropeScaling, ropeParameters].compactMap({ $0 }) {
            let kind = scaling.ropeType ?? scaling.type ?? "default"
            guard kind == "default" else { throw ModelIOError(path, "rope scaling \"\(kind)\" is not supported (only plain RoPE)") }
        }
        if let act = hiddenAct, act != "silu" { throw ModelIOError(path, "hidden_act \"\(act)\" is not supported (LLaMA uses silu)") }
        if attentionBias == true { throw ModelIOError(path, "attention_bias true is not supported (LLaMA's projections have no bias)") }
        // mlp_bias is read: down_proj's bias is applied, gate/up biases must be zero (the loader checks).
        for key in Self.unsupportedKeys {
            if let value = raw[key], !(value is NSNull), !((value as? Bool) == false) {
                throw ModelIOError(path, "\(key) is set (\(value)); this tool does not implement it")
            }
        }
        // Every size is range-checked before it divides, sizes an allocation or multiplies another.
        func size(_ key: String, _ value: Int?, in range: ClosedRange<Int> = 1...LlamaConfig.maxSize) throws {
            guard let value, !range.contains(value) else { return }
            throw ModelIOError(path, "\(key) is \(value); it must lie in \(range.lowerBound)...\(range.upperBound)")
        }
        try size("hidden_size", hiddenSize)
        try size("intermediate_size", intermediateSize)
        try size("num_hidden_layers", numHiddenLayers)
        try size("num_attention_heads", numAttentionHeads)
        try size("num_key_value_heads", numKeyValueHeads)
        try size("head_dim", headDim)
        try size("vocab_size", vocabSize)
        try size("max_position_embeddings", maxPositionEmbeddings, in: 1...LlamaConfig.maxContext)
        let heads = numAttentionHeads, kv = numKeyValueHeads ?? heads
        guard heads % kv == 0 else {
            throw ModelIOError(path, "num_attention_heads \(heads) is not a multiple of num_key_value_heads \(kv)")
        }
        // Without head_dim, transformers uses hidden_size // num_attention_heads.
        let dim = headDim ?? hiddenSize / heads
        guard dim > 0, dim % 2 == 0 else {
            let source = headDim == nil ? "hidden_size \(hiddenSize) // num_attention_heads \(heads)" : "head_dim"
            throw ModelIOError(path, "the head size (\(source)) is \(dim); rotary embeddings need a positive even head size")
        }
        for (key, value) in [("rope_theta", ropeTheta), ("rope_parameters.rope_theta", ropeParameters?.ropeTheta)] {
            if let value, !(value.isFinite && value > 0) { throw ModelIOError(path, "\(key) is \(value); it must be a positive number") }
        }
        if let eps = rmsNormEps, !(eps.isFinite && eps >= 0) {
            throw ModelIOError(path, "rms_norm_eps is \(eps); it must be a non-negative number")
        }
        if let widths = pruneIntermediateSizes, widths.count != numHiddenLayers || widths.contains(where: { $0 < 0 || $0 > intermediateSize }) {
            throw ModelIOError(path, "prune_intermediate_sizes must list \(numHiddenLayers) widths of at most intermediate_size \(intermediateSize)")
        }
        if let kv = pruneKeyValueHeads, kv.count != numHiddenLayers || kv.contains(where: { $0 < 1 || $0 > (numKeyValueHeads ?? numAttentionHeads) }) {
            throw ModelIOError(path, "prune_num_key_value_heads must list \(numHiddenLayers) counts from 1 to num_key_value_heads")
        }
    }

    /// The tool's configuration; FFN widths come from the checkpoint's tensors.
    public func llamaConfig(intermediateSizes: [Int]) -> LlamaConfig {
        let heads = numAttentionHeads
        return LlamaConfig(hiddenSize: hiddenSize, intermediateSizes: intermediateSizes, numHiddenLayers: numHiddenLayers,
                           numAttentionHeads: heads, numKeyValueHeads: numKeyValueHeads ?? heads,
                           headDim: headDim ?? hiddenSize / heads, vocabSize: vocabSize,
                           ropeTheta: ropeTheta ?? ropeParameters?.ropeTheta ?? 10000, rmsNormEps: rmsNormEps ?? 1e-6,
                           tieWordEmbeddings: tieWordEmbeddings ?? false, maxPositionEmbeddings: maxPositionEmbeddings ?? 2048)
    }

    /// The config.json this tool writes for a model: a plain LlamaForCausalLM that transformers loads.
    /// Layers of different FFN widths are padded to the widest (the export pads the weights to match).
    public init(_ c: LlamaConfig, bosTokenId: Int?, eosTokenId: Int?, torchDtype: String) {
        architectures = ["LlamaForCausalLM"]
        modelType = "llama"
        hiddenSize = c.hiddenSize
        intermediateSize = c.maxIntermediateSize
        numHiddenLayers = c.numHiddenLayers
        numAttentionHeads = c.numAttentionHeads
        numKeyValueHeads = c.numKeyValueHeads
        headDim = c.headDim
        vocabSize = c.vocabSize
        ropeTheta = c.ropeTheta
        rmsNormEps = c.rmsNormEps
        tieWordEmbeddings = c.tieWordEmbeddings
        maxPositionEmbeddings = c.maxPositionEmbeddings
        hiddenAct = "silu"
        attentionBias = false
        mlpBias = false
        self.bosTokenId = bosTokenId
        self.eosTokenId = eosTokenId.map { .one($0) }
        self.torchDtype = torchDtype
        pruneIntermediateSizes = Set(c.intermediateSizes).count > 1 ? c.intermediateSizes : nil
        pruneKeyValueHeads = c.headsVaryByLayer ? (0..<c.numHiddenLayers).map { c.keyValueHeads(layer: $0) } : nil
    }
}
