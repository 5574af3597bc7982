import Tensor

/// How a model's linear layers and LM head compute. Float32 is the default and what the reference parity
/// tests hold to; bfloat16 rounds weights and inputs to bfloat16 and accumulates in Float32 (oneDNN's
/// AVX512-BF16 kernels), while norms, rotary embeddings, attention, softmax and the NLL stay Float32.
public enum Precision: String, CaseIterable, Codable, Sendable {
    case f32
    case bf16

    public static let names = allCases.map(\.rawValue)
}

/// The bfloat16 forms of a model's linear weights (each [out, in], as the stored ones) and of its output
/// head ([vocab, hidden]): the stored weights themselves where a BF16 file holds them, rounded copies
/// otherwise.
struct BF16Weights: @unchecked Sendable {
    let layers: [[LinearKind: Weight]]
    let head: Weight

    init(layers: [LlamaLayer], head: Weight) {
        self.layers = layers.map { layer in
            Dictionary(uniqueKeysWithValues: LinearKind.allCases.map { ($0, layer.weight($0).roundedToBF16()) })
        }
        self.head = head.roundedToBF16()
    }
}
