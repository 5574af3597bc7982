import Tensor

/// Scratch buffers for one window of `tokens` positions. One per worker thread; reused across windows.
public final class RunState: @unchecked Sendable {
    public let tokens: Int
    let x: Matrix          // (tokens, hidden) residual stream
    let h: Matrix          // (tokens, hidden) normalised input of a sub-block
    let q: Matrix          // (tokens, heads·headDim)
    let k: Matrix          // (tokens, kvHeads·headDim)
    let v: Matrix          // (tokens, kvHeads·headDim)
    let attention: Matrix  // (tokens, heads·headDim)
    let gate: Matrix       // (tokens, max ffn)
    let up: Matrix         // (tokens, max ffn)
    let scratch: Matrix    // (tokens, hidden) a module's output when its statistics are wanted
    let scores: Matrix     // (query group · attention block, tokens)
    let groupQueries: Matrix // (query group · attention block, headDim) a key/value head's queries, gathered
    let groupOutputs: Matrix // (query group · attention block, headDim) their outputs before scattering
    let keysTransposed: Matrix // (headDim, tokens) one key/value head's keys, for `LaneGemm`
    let inverseSums: FloatStorage // (query group · attention block) the score rows' softmax normalisers
    let logits: Matrix     // (logit chunk, vocabulary tile)
    let rope: RopeTable
    let input16: HalfStorage // (tokens, widest input) a product's input rounded to bfloat16 (bf16 precision)

    /// Float32 rows of a 16-bit weight, widened a slice at a time for a Float32 product (grown on demand).
    private var widened: FloatStorage?

    public static let attentionBlock = 64
    /// The most numbers one widened slice of a 16-bit weight holds (16 MB).
    static let widenedSlice = 1 << 22
    public static let logitChunk = 512
    /// Vocabulary entries whose logits are formed at a time (see `windowNLL`).
    public static let vocabularyTile = 4096

    public init(config c: LlamaConfig, tokens: Int) {
        self.tokens = tokens
        x = Matrix(rows: tokens, columns: c.hiddenSize)
        h = Matrix(rows: tokens, columns: c.hiddenSize)
        q = Matrix(rows: tokens, columns: c.queryWidth)
        k = Matrix(rows: tokens, columns: c.keyValueWidth)
        v = Matrix(rows: tokens, columns: c.keyValueWidth)
        attention = Matrix(rows: tokens, columns: c.queryWidth)
        gate = Matrix(rows: tokens, columns: c.maxIntermediateSize)
        up = Matrix(rows: tokens, columns: c.maxIntermediateSize)
        scratch = Matrix(rows: tokens, columns: c.hiddenSize)
        let groupRows = c.queryGroup * min(tokens, Self.attentionBlock)
        scores = Matrix(rows: groupRows, columns: tokens)
        groupQueries = Matrix(rows: groupRows, columns: c.headDim)
        groupOutputs = Matrix(rows: groupRows, columns: c.headDim)
        keysTransposed = Matrix(rows: CausalAttention.usesLanes(c) ? c.headDim : 0, columns: tokens)
        inverseSums = FloatStorage(count: groupRows)
        logits = Matrix(rows: min(tokens, Self.logitChunk), columns: min(c.vocabSize, Self.vocabularyTile))
        rope = RopeTable(positions: tokens, headDim: c.headDim, theta: c.ropeTheta)
        input16 = HalfStorage(count: tokens * max(c.hiddenSize, c.queryWidth, c.maxIntermediateSize))
    }

    /// Room for `count` Float32 numbers of a widened weight slice.
    func widenedBuffer(_ count: Int) -> UnsafeMutablePointer<Float> {
        if let w = widened, w.count >= count { return w.pointer }
        let w = FloatStorage(count: count)
        widened = w
        return w.pointer
    }
}
