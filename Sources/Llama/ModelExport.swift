import Foundation
import ModelIO
import Tensor
import Tokenizers

/// Writes a (converted or pruned) model where other tools load it: a `.gguf` file (llama.cpp names and
/// q/k row order, exact per-layer FFN widths, the tokenizer as GGUF metadata), or any other path as a
/// Hugging Face folder (config.json, safetensors, tokenizer files) that transformers loads.
public enum ModelExport {
    /// How the weight matrices are stored: `GGUFWriter.Storage.all` (f32, f16, bf16, q8_0, q4_0, q4_1)
    /// in a GGUF file; f32, f16 or bf16 in a Hugging Face folder.
    public typealias DType = GGUFWriter.Storage

    /// What a matrix falls back to when its rows are not whole blocks of `dtype` (a pruned FFN width
    /// such as 1075 makes ffn_down's rows that long): F16, as llama.cpp's converter and llama-quantize do.
    public static let fallback = DType.f16

    /// The storage a matrix whose rows hold `columns` values gets under `dtype`.
    public static func storage(_ dtype: DType, columns: Int) -> DType {
        columns % dtype.blockSize == 0 ? dtype : fallback
    }

    /// The storage of the output head (`output.weight`, or `token_embd.weight` when the embeddings are
    /// tied): Q8_0 under a 4-bit type. llama-quantize keeps the head at Q8_0 when its rows are not a
    /// multiple of 256 (SmolLM2's 576) and at Q6_K otherwise, which this writer does not have; Q8_0 is
    /// the nearest it stores. Other types store the head like every matrix.
    public static func headStorage(_ dtype: DType) -> DType {
        dtype == .q4_0 || dtype == .q4_1 ? .q8_0 : dtype
    }

    static func safetensors(_ dtype: DType) -> SafetensorsFile.DType? {
        switch dtype.name {
        case "f32": .f32
        case "f16": .f16
        case "bf16": .bf16
        default: nil
        }
    }

    static func torchName(_ dtype: DType) -> String {
        dtype == .f32 ? "float32" : dtype == .f16 ? "float16" : "bfloat16"
    }

    /// Refuses, before any work, a dtype the format at `path` cannot hold (a block type in a Hugging Face
    /// folder, whose safetensors hold only float formats here).
    public static func check(_ dtype: DType, path: String) throws {
        guard path.hasSuffix(".gguf") || safetensors(dtype) != nil else {
            throw ModelIOError(path, "\(dtype.name) is a GGUF storage type; a Hugging Face folder holds f32, f16 or bf16 (save to a .gguf path to quantize)")
        }
    }

    /// What was written, for the caller's report.
    public struct Summary: Sendable {
        public let path: String
        public let format: String
        /// For a Hugging Face folder whose layers kept different widths: the common width every layer
        /// was padded to with zero neurons (transformers needs one `intermediate_size`).
        public let paddedTo: Int?
        public let files: [String]
        /// The storage asked for.
        public var dtype: DType = .f32
        /// Matrices stored as `fallback` because their rows are not whole blocks of `dtype`, with their row lengths.
        public var fallbacks: [(name: String, columns: Int)] = []
        /// The output head's storage when it differs from `dtype` (`headStorage`), with the tensor's name.
        public var head: (name: String, storage: DType)? = nil
        /// Values (parameters) the written tensors hold, padding and zero rows included: what the file stores.
        public var storedParameters = 0
        /// Bytes of tensor data (without alignment padding or metadata).
        public var tensorBytes = 0

        /// One line on the output head's storage when it differs from `dtype`, or nil.
        public var headNote: String? {
            head.map { "\($0.name) (the output head) stored as \($0.storage.name), as llama-quantize keeps it above 4 bits" }
        }

        /// One line on the matrices that fell back, or nil: `30 matrices (ffn_down.weight: rows of 1075) ...`.
        public var fallbackNote: String? {
            guard !fallbacks.isEmpty else { return nil }
            let kinds = Dictionary(grouping: fallbacks) { $0.name.split(separator: ".").dropFirst(2).joined(separator: ".") }
            let detail = kinds.keys.sorted().map { kind in
                let lengths = Set(kinds[kind]!.map(\.columns)).sorted().map(String.init).joined(separator: ", ")
                return "\(kind.isEmpty ? "other" : kind): rows of \(lengths)"
            }.joined(separator: "; ")
            return "\(fallbacks.count) matri\(fallbacks.count == 1 ? "x" : "ces") (\(detail)) stored as \(fallback.name): "
                + "rows not a multiple of \(dtype.name)'s block of \(dtype.blockSize) values, as llama.cpp falls back"
        }
    }

    /// Writes to `path`: a GGUF file when it ends in `.gguf`, a Hugging Face folder otherwise.
    @discardableResult
    public static func write(_ model: LlamaModel, tokenizer: any Tokenizer, source: ModelSource, to path: String,
                             dtype: DType = .f32, extraMetadata: [(String, GGUFValue)] = []) throws -> Summary {
        try check(dtype, path: path)
        if path.hasSuffix(".gguf") {
            return try gguf(model, tokenizer: tokenizer, source: source, to: path, dtype: dtype, extraMetadata: extraMetadata)
        }
        return try huggingFace(model, tokenizer: tokenizer, source: source, to: path, dtype: dtype)
    }

    // MARK: GGUF

    static func gguf(_ model: LlamaModel, tokenizer: any Tokenizer, source: ModelSource, to path: String,
                     dtype: DType, extraMetadata: [(String, GGUFValue)]) throws -> Summary {
        let c = model.config
        var w = GGUFWriter()
        switch source {
        case .gguf(let file):
            // A GGUF source keeps its general and tokenizer metadata exactly as it was.
            for key in file.metadataKeys where key.hasPrefix("general.") || key.hasPrefix("tokenizer.") {
                guard key != "general.alignment", key != "general.file_type", let value = file.metadata[key] else { continue }
                w.set(key, value)
            }
        case .folder(let folder):
            w.set("general.name", .string(URL(fileURLWithPath: folder).lastPathComponent))
            for (key, value) in tokenizer.ggufMetadata() { w.set(key, value) }
        }
        w.set("general.architecture", .string("llama"))
        w.set("general.file_type", .uint32(dtype.fileType))
        // GGUF stores sizes as uint32; a configuration outside that range is refused, not truncated.
        func u32(_ key: String, _ v: Int) throws -> GGUFValue {
            guard let x = UInt32(exactly: v) else { throw ModelIOError(path, "cannot write \(key) = \(v): GGUF stores it as a uint32") }
            return .uint32(x)
        }
        w.set("llama.block_count", try u32("llama.block_count", c.numHiddenLayers))
        w.set("llama.context_length", try u32("llama.context_length", c.maxPositionEmbeddings))
        w.set("llama.embedding_length", try u32("llama.embedding_length", c.hiddenSize))
        let widths = try c.intermediateSizes.map { try u32("llama.feed_forward_length", $0) }
        w.set("llama.feed_forward_length", Set(c.intermediateSizes).count == 1 ? widths[0] : .array(widths))
        // Per-layer head counts once heads were pruned: arrays, which llama.cpp's loader reads for every
        // architecture (get_key_or_arr), though its llama graph builds every layer with layer 0's count.
        if c.headsVaryByLayer {
            let layers = 0..<c.numHiddenLayers
            w.set("llama.attention.head_count", .array(try layers.map { try u32("llama.attention.head_count", c.attentionHeads(layer: $0)) }))
            w.set("llama.attention.head_count_kv", .array(try layers.map { try u32("llama.attention.head_count_kv", c.keyValueHeads(layer: $0)) }))
        } else {
            w.set("llama.attention.head_count", try u32("llama.attention.head_count", c.numAttentionHeads))
            w.set("llama.attention.head_count_kv", try u32("llama.attention.head_count_kv", c.numKeyValueHeads))
        }
        w.set("llama.attention.key_length", try u32("llama.attention.key_length", c.headDim))
        w.set("llama.attention.value_length", try u32("llama.attention.value_length", c.headDim))
        w.set("llama.rope.dimension_count", try u32("llama.rope.dimension_count", c.headDim))
        w.set("llama.rope.freq_base", .float32(Float(c.ropeTheta)))
        w.set("llama.attention.layer_norm_rms_epsilon", .float32(Float(c.rmsNormEps)))
        w.set("llama.vocab_size", try u32("llama.vocab_size", c.vocabSize))
        for (k, v) in extraMetadata { w.set(k, v) }

        // Every matrix takes `dtype` but the output head (see `headStorage`); one whose rows are not
        // whole blocks falls back to F16.
        var summary = Summary(path: path, format: "GGUF", paddedTo: nil, files: [URL(fileURLWithPath: path).lastPathComponent], dtype: dtype)
        let headName = model.weights.lmHead == nil ? "token_embd.weight" : "output.weight"
        // Values are made (widened, reordered) as each tensor is written, one at a time.
        func add(_ name: String, rows: Int, columns: Int, _ make: @escaping () -> Matrix) {
            let wanted = name == headName ? headStorage(dtype) : dtype
            if wanted != dtype { summary.head = (name, wanted) }
            let kind = Self.storage(wanted, columns: columns)
            if kind != wanted { summary.fallbacks.append((name, columns)) }
            w.addTensor(name, rows: rows, columns: columns, storage: kind) { make().values }
        }
        func add(_ name: String, _ weight: Weight) { add(name, rows: weight.rows, columns: weight.columns) { weight.matrix } }
        // 1-D tensors (norm weights, the down_proj bias) stay F32, as llama.cpp's converter keeps them.
        func add(_ name: String, vector: [Float]) { w.addVector(name, values: vector, storage: .f32) }
        func permuted(_ weight: Weight, heads: Int) -> Matrix {
            let m = weight.matrix, out = Matrix(rows: m.rows, columns: m.columns)
            RotaryPermutation.toGGUF(UnsafePointer(m.pointer), rows: m.rows, columns: m.columns, heads: heads, into: out.pointer)
            return out
        }
        add("token_embd.weight", model.weights.embedding)
        add("output_norm.weight", vector: model.weights.finalNorm)
        if let head = model.weights.lmHead { add("output.weight", head) }
        for (l, layer) in model.weights.layers.enumerated() {
            add("blk.\(l).attn_norm.weight", vector: layer.inputNorm)
            let heads = c.attentionHeads(layer: l), kvHeads = c.keyValueHeads(layer: l)
            add("blk.\(l).attn_q.weight", rows: layer.q.rows, columns: layer.q.columns) { permuted(layer.q, heads: heads) }
            add("blk.\(l).attn_k.weight", rows: layer.k.rows, columns: layer.k.columns) { permuted(layer.k, heads: kvHeads) }
            add("blk.\(l).attn_v.weight", layer.v)
            add("blk.\(l).attn_output.weight", layer.o)
            add("blk.\(l).ffn_norm.weight", vector: layer.postAttentionNorm)
            add("blk.\(l).ffn_gate.weight", layer.gate)
            add("blk.\(l).ffn_up.weight", layer.up)
            add("blk.\(l).ffn_down.weight", rows: c.hiddenSize, columns: layer.down.columns) { fullDown(layer, hidden: c.hiddenSize) }
            // llama.cpp's llama architecture loads an optional ffn_down.bias and adds it (build_ffn).
            if let bias = layer.downBias { add("blk.\(l).ffn_down.bias", vector: bias) }
        }
        try w.write(to: path)
        summary.storedParameters = w.storedValues
        summary.tensorBytes = w.storedBytes
        return summary
    }

    // MARK: Hugging Face folder

    /// Tokenizer files a Hugging Face source folder carries over unchanged.
    static let tokenizerFiles = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model", "generation_config.json"]

    static func huggingFace(_ model: LlamaModel, tokenizer: any Tokenizer, source: ModelSource, to path: String, dtype: DType) throws -> Summary {
        let c = model.config
        let width = c.maxIntermediateSize
        let padded = Set(c.intermediateSizes).count > 1 ? width : nil
        let mlpBias = model.weights.layers.contains { $0.downBias != nil }
        var st = SafetensorsWriter()
        guard let kind = safetensors(dtype) else { throw ModelIOError(path, "\(dtype.name) cannot be stored in a Hugging Face folder") }
        var stored = 0
        // Values are made (widened, padded) as each tensor is written, one at a time.
        func add(_ name: String, rows: Int, columns: Int, _ make: @escaping () -> Matrix) {
            st.add(name, shape: [rows, columns], dtype: kind) { make().values }
            stored += rows * columns
        }
        func add(_ name: String, _ weight: Weight) { add(name, rows: weight.rows, columns: weight.columns) { weight.matrix } }
        func add(_ name: String, vector: [Float]) {
            st.add(name, shape: [vector.count], values: vector, dtype: kind)
            stored += vector.count
        }
        add("model.embed_tokens.weight", model.weights.embedding)
        for (l, layer) in model.weights.layers.enumerated() {
            let p = "model.layers.\(l)."
            add(p + "input_layernorm.weight", vector: layer.inputNorm)
            // transformers' LlamaConfig has one head count for all layers: a layer with pruned heads is
            // padded with zero heads at the end (zero v rows give a zero head output, zero o columns add
            // nothing, and the padding keeps each query head's key/value head), exact as zero neurons are.
            let q = c.queryWidth, kv = c.keyValueWidth, hidden = c.hiddenSize
            add(p + "self_attn.q_proj.weight", rows: max(q, layer.q.rows), columns: layer.q.columns) { padRows(layer.q, to: q) }
            add(p + "self_attn.k_proj.weight", rows: max(kv, layer.k.rows), columns: layer.k.columns) { padRows(layer.k, to: kv) }
            add(p + "self_attn.v_proj.weight", rows: max(kv, layer.v.rows), columns: layer.v.columns) { padRows(layer.v, to: kv) }
            add(p + "self_attn.o_proj.weight", rows: layer.o.rows, columns: max(q, layer.o.columns)) { padColumns(layer.o, to: q) }
            add(p + "post_attention_layernorm.weight", vector: layer.postAttentionNorm)
            // Zero neurons pad a narrower layer: zero gate and up rows give silu(0)·0 = 0, and zero down
            // columns add nothing, so the padded model computes exactly what the pruned one does.
            add(p + "mlp.gate_proj.weight", rows: max(width, layer.gate.rows), columns: layer.gate.columns) { padRows(layer.gate, to: width) }
            add(p + "mlp.up_proj.weight", rows: max(width, layer.up.rows), columns: layer.up.columns) { padRows(layer.up, to: width) }
            add(p + "mlp.down_proj.weight", rows: hidden, columns: max(width, layer.down.columns)) { padColumns(fullDown(layer, hidden: hidden), to: width) }
            // transformers' mlp_bias gives all three projections a bias: gate and up get zeros (padding
            // neurons stay silu(0)·0 = 0), down the compensation bias (zeros in layers without one).
            if mlpBias {
                add(p + "mlp.gate_proj.bias", vector: [Float](repeating: 0, count: width))
                add(p + "mlp.up_proj.bias", vector: [Float](repeating: 0, count: width))
                add(p + "mlp.down_proj.bias", vector: layer.downBias ?? [Float](repeating: 0, count: c.hiddenSize))
            }
        }
        add("model.norm.weight", vector: model.weights.finalNorm)
        if let head = model.weights.lmHead { add("lm_head.weight", head) }

        // Build everything in a hidden sibling folder, then swap it in, so a failure leaves the old one.
        let target = URL(fileURLWithPath: path).standardizedFileURL
        let fm = FileManager.default
        let staging = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).part")
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
            var files = try st.write(folder: staging.path, maxShardBytes: 2 << 30)
            var config = HuggingFaceConfig(c, bosTokenId: tokenizer.bosID.map(Int.init), eosTokenId: tokenizer.eosID.map(Int.init), torchDtype: torchName(dtype))
            config.intermediateSize = width
            if mlpBias { config.mlpBias = true }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(config).write(to: staging.appendingPathComponent("config.json"))
            files.append("config.json")
            switch source {
            case .folder(let folder) where fm.fileExists(atPath: URL(fileURLWithPath: folder).appendingPathComponent("tokenizer.json").path)
                || fm.fileExists(atPath: URL(fileURLWithPath: folder).appendingPathComponent("tokenizer.model").path):
                for name in tokenizerFiles {
                    let from = URL(fileURLWithPath: folder).appendingPathComponent(name)
                    guard fm.fileExists(atPath: from.path) else { continue }
                    try fm.copyItem(at: from, to: staging.appendingPathComponent(name))
                    files.append(name)
                }
            default:
                for (name, data) in try tokenizer.huggingFaceFiles().sorted(by: { $0.key < $1.key }) {
                    try data.write(to: staging.appendingPathComponent(name))
                    files.append(name)
                }
            }
            if fm.fileExists(atPath: target.path) {
                let old = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).old")
                try fm.moveItem(at: target, to: old)
                try fm.moveItem(at: staging, to: target)
                try? fm.removeItem(at: old)
            } else {
                try fm.moveItem(at: staging, to: target)
            }
            return Summary(path: path, format: "Hugging Face folder", paddedTo: padded, files: files, dtype: dtype,
                           storedParameters: stored, tensorBytes: stored * (dtype == .f32 ? 4 : 2))
        } catch {
            try? fm.removeItem(at: staging)
            if let e = error as? ModelIOError { throw e }
            throw ModelIOError(path, "cannot write: \(error.localizedDescription)")
        }
    }

    static func padRows(_ weight: Weight, to rows: Int) -> Matrix {
        let m = weight.matrix
        guard m.rows < rows else { return m }
        let out = Matrix(rows: rows, columns: m.columns)
        out.pointer.update(from: m.pointer, count: m.count)
        return out
    }

    static func padColumns(_ weight: Weight, to columns: Int) -> Matrix { padColumns(weight.matrix, to: columns) }

    static func padColumns(_ m: Matrix, to columns: Int) -> Matrix {
        guard m.columns < columns else { return m }
        let out = Matrix(rows: m.rows, columns: columns)
        for r in 0..<m.rows { out.row(r).update(from: m.row(r), count: m.columns) }
        return out
    }

    /// down_proj with every hidden row: rows a shrunk model dropped come back as zeros (they were zero
    /// when pruned), so the file has the standard shape.
    static func fullDown(_ layer: LlamaLayer, hidden: Int) -> Matrix {
        let down = layer.down.matrix
        guard let outputs = layer.downOutputs else { return down }
        let full = Matrix(rows: hidden, columns: down.columns)
        for (j, channel) in outputs.enumerated() { full.row(channel).update(from: down.row(j), count: down.columns) }
        return full
    }
}
