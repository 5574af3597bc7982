/// Hyperparameters of a LLaMA-architecture model, named as Hugging Face's `config.json` names them.
public struct LlamaConfig: Codable, Sendable, Equatable {
    public var hiddenSize: Int
    /// FFN width of every layer; layers may differ once a model has been shrunk.
    public var intermediateSizes: [Int]
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var numKeyValueHeads: Int
    public var headDim: Int
    public var vocabSize: Int
    public var ropeTheta: Double
    public var rmsNormEps: Double
    public var tieWordEmbeddings: Bool
    public var maxPositionEmbeddings: Int
    /// Key/value heads of each layer once attention heads were pruned (each keeps its query group of
    /// `queryGroup` heads); nil when every layer has `numKeyValueHeads`. `numAttentionHeads` and
    /// `numKeyValueHeads` stay the widest layer's counts, which size the run state's buffers.
    public var keyValueHeadCounts: [Int]? = nil

    public init(hiddenSize: Int, intermediateSizes: [Int], numHiddenLayers: Int, numAttentionHeads: Int,
                numKeyValueHeads: Int, headDim: Int, vocabSize: Int, ropeTheta: Double, rmsNormEps: Double,
                tieWordEmbeddings: Bool, maxPositionEmbeddings: Int) {
        self.hiddenSize = hiddenSize
        self.intermediateSizes = intermediateSizes
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.numKeyValueHeads = numKeyValueHeads
        self.headDim = headDim
        self.vocabSize = vocabSize
        self.ropeTheta = ropeTheta
        self.rmsNormEps = rmsNormEps
        self.tieWordEmbeddings = tieWordEmbeddings
        self.maxPositionEmbeddings = maxPositionEmbeddings
    }

    /// The largest width, head count, head size, layer count or vocabulary a model file may declare.
    /// Real models are far below it (2^24 = 16 777 216), and with every size at most this, products of
    /// two sizes cannot overflow: a corrupt file is refused by name instead of trapping.
    public static let maxSize = 1 << 24
    /// The largest context length: GGUF stores it as a uint32.
    public static let maxContext = Int(UInt32.max)

    public var queryWidth: Int { numAttentionHeads * headDim }
    public var keyValueWidth: Int { numKeyValueHeads * headDim }
    /// Query heads that share one key/value head (grouped-query attention).
    public var queryGroup: Int { numAttentionHeads / numKeyValueHeads }
    public func keyValueHeads(layer: Int) -> Int { keyValueHeadCounts?[layer] ?? numKeyValueHeads }
    public func attentionHeads(layer: Int) -> Int { keyValueHeads(layer: layer) * queryGroup }
    public func queryWidth(layer: Int) -> Int { attentionHeads(layer: layer) * headDim }
    public func keyValueWidth(layer: Int) -> Int { keyValueHeads(layer: layer) * headDim }
    /// Whether layers differ in their head counts (a file then needs per-layer counts).
    public var headsVaryByLayer: Bool { keyValueHeadCounts.map { Set($0).count > 1 || $0.first != numKeyValueHeads } ?? false }
    public var maxIntermediateSize: Int { intermediateSizes.max() ?? 0 }

    /// The [out, in] shape of a linear module's weight.
    public func shape(of kind: LinearKind, layer: Int) -> (rows: Int, columns: Int) {
        let f = intermediateSizes[layer]
        switch kind {
        case .q: return (queryWidth(layer: layer), hiddenSize)
        case .k, .v: return (keyValueWidth(layer: layer), hiddenSize)
        case .o: return (hiddenSize, queryWidth(layer: layer))
        case .gate, .up: return (f, hiddenSize)
        case .down: return (hiddenSize, f)
        }
    }

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size", intermediateSizes = "intermediate_sizes", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", numKeyValueHeads = "num_key_value_heads", headDim = "head_dim"
        case vocabSize = "vocab_size", ropeTheta = "rope_theta", rmsNormEps = "rms_norm_eps"
        case tieWordEmbeddings = "tie_word_embeddings", maxPositionEmbeddings = "max_position_embeddings"
        case keyValueHeadCounts = "key_value_head_counts"
    }
}
