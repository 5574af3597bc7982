import Foundation
import Pruning

/// `save "pruned/{scorer}-{amount}.gguf"`: where each pruned cell's model goes. Placeholders are filled
/// with file-name-safe text; the checker proves that no two cells that prune differently share a path.
public enum SavePattern {
    /// Every placeholder, with the setting it stands for.
    public static let placeholders = ["model", "scorer", "pruner", "pipeline", "amount", "structure", "calibration", "samples", "seqlen", "seed", "reconstruct", "dtype", "precision"]

    /// The placeholders' values for `c`; `dtype` is the script's one `save ... dtype`, the same for every cell.
    public static func values(_ c: Cell, dtype: String = "f32") -> [String: String] {
        func safe(_ s: String) -> String {
            String(s.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" ? $0 : "_" })
                .replacingOccurrences(of: "__", with: "_").trimmingCharacters(in: CharacterSet(charactersIn: "_"))
        }
        return [
            "model": URL(fileURLWithPath: c.model).deletingPathExtension().lastPathComponent,
            "scorer": c.scorer.map { safe($0.description) } ?? "dense",
            "pruner": c.pruner.map { safe($0.description) } ?? "none",
            "pipeline": c.pipeline?.rawValue ?? "none",
            "amount": String(format: "%g", c.amount),
            "structure": c.structure.map { safe($0.chain.joined(separator: "-")) } ?? "none",
            "calibration": c.calibration.map { safe(URL(fileURLWithPath: $0.path).deletingPathExtension().lastPathComponent) } ?? "none",
            "samples": c.calibration.map { String($0.samples) } ?? "none",
            "seqlen": c.calibration.map { String($0.seqlen) } ?? "none",
            "seed": c.calibration.map { String($0.seed) } ?? "none",
            "reconstruct": c.reconstruction.map { safe($0.description) } ?? "none",
            "dtype": dtype,
            "precision": c.precision?.rawValue ?? "f32",
        ]
    }

    public static func fill(_ pattern: String, _ c: Cell, dtype: String = "f32") -> String {
        var out = pattern
        for (k, v) in values(c, dtype: dtype) { out = out.replacingOccurrences(of: "{\(k)}", with: v) }
        return out
    }

    /// Which settings (by placeholder name) two cells differ in.
    public static func differences(_ a: Cell, _ b: Cell) -> [String] {
        let x = values(a), y = values(b)
        var out = placeholders.filter { x[$0] != y[$0] }
        // Settings with no placeholder of their own: the calibration file's folder, the model's folder.
        if a.calibration?.path != b.calibration?.path && x["calibration"] == y["calibration"] { out.append("calibration path") }
        if a.model != b.model && x["model"] == y["model"] { out.append("model path") }
        return out
    }
}
