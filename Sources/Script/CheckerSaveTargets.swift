import Foundation
import Pruning

/// Proves that the `save` pattern gives every pruned model a path of its own: two cells that prune
/// differently but fill the pattern alike would silently overwrite one model with the other.
extension Checker {
    mutating func checkSaveTargets() {
        guard let pattern = experiment.savePattern, let at = experiment.saveLocation else { return }
        var owner: [String: Cell] = [:]
        var clashes = 0
        var first: (path: String, a: Cell, b: Cell)? = nil
        for cell in Planner.cells(experiment) where !cell.isDense {
            let model = cell.pruning   // cells that differ only in what is measured share one pruned model
            let path = SavePattern.fill(pattern, model, dtype: experiment.saveDType)
            if let other = owner[path] {
                if other != model {
                    clashes += 1
                    if first == nil { first = (path, other, model) }
                }
            } else {
                owner[path] = model
            }
        }
        guard let (path, a, b) = first else { return }
        let differ = SavePattern.differences(a, b)
        let placeholders = differ.filter { SavePattern.placeholders.contains($0) }
        let values = SavePattern.values(a), others = SavePattern.values(b)
        let detail = differ.map { name in
            if let x = values[name], let y = others[name], x != y { return "\(name) \(x) and \(y)" }
            return name == "calibration path" ? "calibration files \(a.calibration?.path ?? "none") and \(b.calibration?.path ?? "none")"
                : "model files \(a.model) and \(b.model)"
        }.joined(separator: ", ")
        let help = placeholders.isEmpty
            ? "these differ only in files of the same name; give them distinct names, or save them in different folders"
            : "add " + placeholders.map { "{\($0)}" }.joined(separator: " or ") + " to the pattern, e.g. \"" + Self.withPlaceholders(pattern, placeholders) + "\""
        let more = clashes > 1 ? " (and \(clashes - 1) more clash\(clashes == 2 ? "" : "es"))" : ""
        error(at, "the save pattern maps different pruned models to one path: `\(path)` for cells with \(detail)\(more)", help: help)
    }

    /// `pattern` with `{names}` added before its extension.
    static func withPlaceholders(_ pattern: String, _ names: [String]) -> String {
        let extra = names.map { "-{\($0)}" }.joined()
        if pattern.hasSuffix(".gguf") { return String(pattern.dropLast(5)) + extra + ".gguf" }
        return pattern + extra
    }
}
