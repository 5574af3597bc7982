import Foundation
import Pruning

/// A cell's settings as figures, filters and reports spell them: one place, so a `where` clause the
/// checker accepts is exactly one the figures match.
public enum CellSettings {
    public static let names = ["scorer", "pruner", "pipeline", "structure", "model", "amount", "calibration", "samples", "seqlen",
                               "seed", "evaluation", "gamma", "theta", "reconstruct", "method", "precision"]

    public static func value(_ name: String, _ c: Cell) -> String {
        func file(_ p: String) -> String { URL(fileURLWithPath: p).lastPathComponent }
        switch name {
        case "scorer": return c.scorer?.description ?? "dense"
        case "pruner": return c.pruner?.description ?? "dense"
        case "pipeline": return c.pipeline?.rawValue ?? "dense"
        case "structure": return c.structure.map { $0.chain.joined(separator: " -> ") } ?? "dense"
        case "model": return file(c.model)
        case "amount": return String(format: "%g", c.amount)
        case "calibration": return c.calibration.map { file($0.path) } ?? "none"
        case "samples": return c.calibration.map { String($0.samples) } ?? "none"
        case "seqlen": return c.calibration.map { String($0.seqlen) } ?? "none"
        case "seed": return c.calibration.map { String($0.seed) } ?? "none"
        case "evaluation": return c.evaluation.map { file($0.text) } ?? "none"
        case "reconstruct": return c.isDense ? "dense" : c.reconstruction?.description ?? "none"
        case "precision": return c.precision?.rawValue ?? "f32"
        // The whole recipe in one name, for a figure whose series are scorers with and without a refit.
        case "method":
            guard !c.isDense else { return "dense" }
            // Short enough for a legend: module names without their sub-block, the reconstruction by name.
            let structure = c.structure.map { s in
                s.wholeNeurons ? "neurons" : s.isMixed ? s.mixMemberNames.map(Self.shortName).joined(separator: "+")
                    : s.chain.map(Self.shortName).joined(separator: "→")
            } ?? "?"
            return "\(c.scorer?.description ?? "?") [\(structure)]" + (c.reconstruction.map { " + \($0.name)" } ?? "")
        case "gamma", "theta": return c.scorer?.parameters[name].map { "\(name) \($0)" } ?? "\(name) default"
        default: return ""
        }
    }

    /// A module or unit structure without its sub-block: `up_proj`, `neurons`, `heads`.
    static func shortName(_ name: String) -> String { name.split(separator: ".").last.map(String.init) ?? name }
}
