/// llama.cpp's converter reorders the rows of q_proj and k_proj inside each head so that rotary pairs
/// sit next to each other (GPT-J style, dimensions 2i and 2i+1), where Hugging Face pairs dimension i
/// with i + d/2 (rotate-half). Undoing it lets one forward pass serve GGUF and safetensors alike.
///
/// Within a head of size d: GGUF row 2i + j holds Hugging Face row j·d/2 + i (i < d/2, j ∈ {0, 1}).
public enum RotaryPermutation {
    /// Rows of a [heads·d, columns] matrix (of any element type) from GGUF order to Hugging Face order.
    public static func toHuggingFace<T>(_ src: UnsafePointer<T>, rows: Int, columns: Int, heads: Int, into dst: UnsafeMutablePointer<T>) {
        let d = rows / heads, half = d / 2
        for h in 0..<heads {
            for i in 0..<half {
                for j in 0..<2 {
                    let from = h * d + 2 * i + j, to = h * d + j * half + i
                    (dst + to * columns).update(from: src + from * columns, count: columns)
                }
            }
        }
    }

    /// The inverse, for writing GGUF files.
    public static func toGGUF<T>(_ src: UnsafePointer<T>, rows: Int, columns: Int, heads: Int, into dst: UnsafeMutablePointer<T>) {
        let d = rows / heads, half = d / 2
        for h in 0..<heads {
            for i in 0..<half {
                for j in 0..<2 {
                    let hf = h * d + j * half + i, gg = h * d + 2 * i + j
                    (dst + gg * columns).update(from: src + hf * columns, count: columns)
                }
            }
        }
    }
}
