import Tensor

/// How a model's linear layers and LM head compute. Float32 is the default and what the reference parity
/// tests hold to; bfloat16 rounds weights and inputs to bfloat16 and accumulates in Float32 (oneDNN's
/// AVX512-BF16 kernels), while norms, rotary embeddings, attention, softmax and the NLL stay Float32.
public enum Precision: String, CaseIterable, Codable, Sendable {
    case f32
    case bf16

    public static let names = allCases.map(\.rawValue)
}

/// The bfloat16 copies of a model's linear weights (each [out, in], as the Float32 ones) and of its output
/// head ([vocab, hidden]).
struct BF16Weights: @unchecked Sendable {
    let layers: [[LinearKind: BF16Matrix]]
    let head: BF16Matrix

    init(layers: [LlamaLayer], head: BF16Matrix) {
        self.layers = layers.map { layer in
            Dictionary(uniqueKeysWithValues: LinearKind.allCases.map { ($0, BF16Matrix(layer.weight($0))) })
        }
        self.head = head
    }
}
