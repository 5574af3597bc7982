import ArgumentParser
import Foundation
import Llama
import ModelIO
import Tokenizers

/// `prune inspect MODEL`: what a model file holds, read from its header alone (no weights are loaded).
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a model file's architecture, tensors and tokenizer.")

    @Argument(help: "A .gguf model file or a Hugging Face model folder.")
    var model: String

    @Flag(help: "List every tensor.")
    var tensors = false

    func run() throws {
        try reportingErrors {
            if try ModelSource.isFolder(model) { return try inspectFolder() }
            let file = try GGUFFile(path: model)
            let meta = file.metadata
            let arch = file.architecture ?? "?"
            // A llama file is checked as eval would load it (sizes, tensor shapes, tokenizer), so what
            // inspect shows is a model the tool can run.
            var config: LlamaConfig? = nil
            if arch == "llama" {
                config = try LlamaModel.configuration(of: file)
                if meta["tokenizer.ggml.model"] != nil { _ = try loadTokenizer(from: file) }
            }
            func m(_ key: String) -> String { meta["\(arch).\(key)"]?.summary ?? "?" }
            let total = file.tensors.reduce(0) { $0 + $1.elementCount }
            var byType: [String: (count: Int, params: Int)] = [:]
            for t in file.tensors {
                byType[t.type.name, default: (0, 0)].count += 1
                byType[t.type.name, default: (0, 0)].params += t.elementCount
            }
            var lines = [
                "file          \(model) (GGUF v\(file.version), \(file.file.count) bytes, alignment \(file.alignment))",
                "name          \(meta["general.name"]?.string ?? "?")",
                "architecture  \(arch)",
                "layers        \(m("block_count"))",
                "hidden        \(m("embedding_length"))",
                "ffn           \(m("feed_forward_length"))",
                config.map { Self.heads($0) } ?? "heads         \(m("attention.head_count")) (key/value heads \(m("attention.head_count_kv")))",
                "context       \(m("context_length"))",
                "rope theta    \(m("rope.freq_base"))",
                "rms norm eps  \(m("attention.layer_norm_rms_epsilon"))",
                "embeddings    \(file[tensor: "output.weight"] == nil ? "tied (no output.weight)" : "separate output.weight")",
                "parameters    \(total.formatted()) in \(file.tensors.count) tensors",
            ]
            for (type, v) in byType.sorted(by: { $0.value.params > $1.value.params }) {
                lines.append("  \(type.padding(toLength: 6, withPad: " ", startingAt: 0)) \(String(v.count).leftPad(4)) tensors, \(v.params.formatted()) parameters")
            }
            let tokens = meta["tokenizer.ggml.tokens"]?.array?.count ?? 0
            let merges = meta["tokenizer.ggml.merges"]?.array?.count ?? 0
            lines.append("tokenizer     \(meta["tokenizer.ggml.model"]?.string ?? "none") (pre \(meta["tokenizer.ggml.pre"]?.string ?? "-")), \(tokens) tokens, \(merges) merges, add BOS \(meta["tokenizer.ggml.add_bos_token"]?.bool ?? false)")
            if tensors {
                lines.append("tensors (Hugging Face name, shape [out, in], type):")
                for t in file.tensors {
                    let hf = TensorNames.huggingFace(fromGGUF: t.name) ?? t.name
                    let shape = t.shape.count > 1 ? "[\(t.rows), \(t.columns)]" : "[\(t.columns)]"
                    lines.append("  \(hf.padding(toLength: 45, withPad: " ", startingAt: 0)) \(shape.padding(toLength: 14, withPad: " ", startingAt: 0)) \(t.type.name)")
                }
            }
            print(lines.joined(separator: "\n"))
        }
    }
}

extension Inspect {
    /// The heads line: one count for the model, or each block's once head groups were pruned (`padded`:
    /// a folder's real counts, stored with zero heads up to the config's count).
    static func heads(_ c: LlamaConfig, padded: [Int]? = nil) -> String {
        let perBlock = padded ?? (c.headsVaryByLayer ? (0..<c.numHiddenLayers).map { c.keyValueHeads(layer: $0) } : nil)
        guard let perBlock else {
            return "heads         \(c.numAttentionHeads) (key/value heads \(c.numKeyValueHeads), head size \(c.headDim))"
        }
        let padding = padded == nil ? "" : "; padded with zero heads to \(c.numKeyValueHeads)"
        return "heads         key/value heads per block \(perBlock) (\(c.queryGroup) query heads each, head size \(c.headDim)\(padding))"
    }

    /// A Hugging Face folder: config.json, the safetensors headers and the tokenizer.
    func inspectFolder() throws {
        let hf = try HuggingFaceConfig.read(path: URL(fileURLWithPath: model).appendingPathComponent("config.json").path)
        let c = try LlamaModel.configuration(path: model)
        let checkpoint = try SafetensorsCheckpoint(folder: model)
        let names = checkpoint.tensorNames
        var byType: [String: (count: Int, params: Int)] = [:]
        for n in names {
            let t = checkpoint[tensor: n]!
            byType[t.dtype.rawValue, default: (0, 0)].count += 1
            byType[t.dtype.rawValue, default: (0, 0)].params += t.elementCount
        }
        let total = byType.values.reduce(0) { $0 + $1.params }
        let widths = Set(c.intermediateSizes).count == 1 ? "\(c.intermediateSizes[0])" : "\(c.intermediateSizes)"
        var lines = [
            "folder        \(model) (Hugging Face: \(checkpoint.files.map { URL(fileURLWithPath: $0.path).lastPathComponent }.joined(separator: ", ")))",
            "architecture  \((hf.architectures ?? [hf.modelType ?? "?"]).joined(separator: ", "))",
            "layers        \(c.numHiddenLayers)",
            "hidden        \(c.hiddenSize)",
            "ffn           \(widths)" + (hf.pruneIntermediateSizes.map { " (weights in the first \($0) neurons; the rest are zero padding)" } ?? ""),
            Self.heads(c, padded: hf.pruneKeyValueHeads),
            "context       \(c.maxPositionEmbeddings)",
            "rope theta    \(c.ropeTheta)",
            "rms norm eps  \(c.rmsNormEps)",
            "embeddings    \(c.tieWordEmbeddings ? "tied" : "separate lm_head.weight")",
            "parameters    \(total.formatted()) in \(names.count) tensors",
        ]
        for (type, v) in byType.sorted(by: { $0.value.params > $1.value.params }) {
            lines.append("  \(type.padding(toLength: 6, withPad: " ", startingAt: 0)) \(String(v.count).leftPad(4)) tensors, \(v.params.formatted()) parameters")
        }
        let tokenizer = try loadTokenizer(huggingFaceFolder: URL(fileURLWithPath: model))
        lines.append("tokenizer     \(tokenizer.kind), add BOS \(tokenizer.addsBOS)")
        if tensors {
            lines.append("tensors (name, shape, type):")
            for n in names {
                let t = checkpoint[tensor: n]!
                lines.append("  \(n.padding(toLength: 45, withPad: " ", startingAt: 0)) \("\(t.shape)".padding(toLength: 14, withPad: " ", startingAt: 0)) \(t.dtype.rawValue)")
            }
        }
        print(lines.joined(separator: "\n"))
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
