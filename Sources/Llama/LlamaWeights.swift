import Tensor

/// One transformer block's weights, each linear one [out, in] as the checkpoint stores it (Float32, or
/// 16-bit as a BF16/F16 file holds it).
public struct LlamaLayer: Sendable {
    public var inputNorm: [Float]          // (hidden)
    public var q: Weight                   // (heads·headDim, hidden)
    public var k: Weight                   // (kvHeads·headDim, hidden)
    public var v: Weight                   // (kvHeads·headDim, hidden)
    public var o: Weight                   // (hidden, heads·headDim)
    public var postAttentionNorm: [Float]  // (hidden)
    public var gate: Weight                // (ffn, hidden)
    public var up: Weight                  // (ffn, hidden)
    public var down: Weight                // (hidden or kept outputs, ffn)
    /// When down_proj's zeroed output rows were removed: the hidden channels its remaining rows write.
    /// nil means every channel (down has `hidden` rows).
    public var downOutputs: [Int]?
    /// A bias added to down_proj's output, one value per hidden channel (zero where no row writes):
    /// what FLAP-style compensation leaves in place of the removed neurons' mean contribution. nil: none.
    public var downBias: [Float]? = nil

    public var ffnWidth: Int { up.rows }

    public init(inputNorm: [Float], q: Weight, k: Weight, v: Weight, o: Weight, postAttentionNorm: [Float],
                gate: Weight, up: Weight, down: Weight, downOutputs: [Int]? = nil, downBias: [Float]? = nil) {
        self.inputNorm = inputNorm
        self.q = q
        self.k = k
        self.v = v
        self.o = o
        self.postAttentionNorm = postAttentionNorm
        self.gate = gate
        self.up = up
        self.down = down
        self.downOutputs = downOutputs
        self.downBias = downBias
    }
}

/// All weights of a LLaMA model.
public struct LlamaWeights: Sendable {
    public var embedding: Weight           // (vocab, hidden)
    public var layers: [LlamaLayer]
    public var finalNorm: [Float]          // (hidden)
    /// nil when tied to the embedding.
    public var lmHead: Weight?             // (vocab, hidden)

    public init(embedding: Weight, layers: [LlamaLayer], finalNorm: [Float], lmHead: Weight?) {
        self.embedding = embedding
        self.layers = layers
        self.finalNorm = finalNorm
        self.lmHead = lmHead
    }

    /// The output head's weight (the embedding's when tied).
    public var output: Weight { lmHead ?? embedding }
}

/// The linear modules of a block, with the names Hugging Face gives them.
public enum LinearKind: String, CaseIterable, Sendable, Codable {
    case q = "self_attn.q_proj", k = "self_attn.k_proj", v = "self_attn.v_proj", o = "self_attn.o_proj"
    case gate = "mlp.gate_proj", up = "mlp.up_proj", down = "mlp.down_proj"
}

/// One linear module of the model: `model.layers.N.<kind>`.
public struct LinearModule: Hashable, Sendable, Codable, Comparable {
    public let layer: Int
    public let kind: LinearKind

    public init(layer: Int, kind: LinearKind) {
        self.layer = layer
        self.kind = kind
    }

    public var name: String { "model.layers.\(layer).\(kind.rawValue)" }

    public static func < (a: LinearModule, b: LinearModule) -> Bool {
        a.layer != b.layer ? a.layer < b.layer : LinearKind.allCases.firstIndex(of: a.kind)! < LinearKind.allCases.firstIndex(of: b.kind)!
    }
}

extension LlamaLayer {
    public mutating func set(_ kind: LinearKind, _ w: Matrix) { set(kind, Weight(w)) }

    public mutating func set(_ kind: LinearKind, _ w: Weight) {
        switch kind {
        case .q: q = w
        case .k: k = w
        case .v: v = w
        case .o: o = w
        case .gate: gate = w
        case .up: up = w
        case .down: down = w
        }
    }

    /// Parameters this block stores (norm vectors included).
    public var storedParameters: Int {
        inputNorm.count + postAttentionNorm.count + (downBias?.count ?? 0) + [q, k, v, o, gate, up, down].reduce(0) { $0 + $1.count }
    }

    public func weight(_ kind: LinearKind) -> Weight {
        switch kind {
        case .q: q
        case .k: k
        case .v: v
        case .o: o
        case .gate: gate
        case .up: up
        case .down: down
        }
    }
}
