import Foundation
import Llama
import ModelIO
import Pruning

/// Checks that need the whole script: required statements, and the structure against each model.
extension Checker {
    mutating func wholeScript() {
        let top = SourceLocation(line: 1, column: 1)
        if seen["model"] == nil { error(top, "the script names no model", help: "add a line such as " + Self.example("model")) }
        if seen["amount"] == nil { error(top, "the script gives no amount", help: "add a line such as " + Self.example("amount")) }
        let pruning = experiment.amounts.contains { $0 > 0 }
        if seen["scorer"] == nil && pruning { error(top, "the script names no scorer", help: "add a line such as " + Self.example("scorer")) }
        if pruning && experiment.calibrations.isEmpty && seen["calibrate"] == nil {
            for spec in experiment.scorers {
                if let type = ScorerRegistry.all.first(where: { $0.name == spec.name }), type.needsStatistics {
                    error(scorerLocations[spec] ?? top, "scorer `\(spec.name)` needs calibration data",
                          help: "add a line such as " + Self.example("calibrate"))
                }
            }
        }
        for path in experiment.models { checkStructures(against: path) }
    }

    /// Reads the model file's header (no weights) and resolves every structure against it.
    mutating func checkStructures(against path: String) {
        let full = resolve(path)
        guard FileManager.default.fileExists(atPath: full), let at = modelLocations[path] else { return }
        let config: LlamaConfig
        do {
            config = try LlamaModel.configuration(path: full)
        } catch {
            self.error(at, "cannot use model `\(path)`: \((error as? ModelIOError)?.problem ?? "\(error)")")
            return
        }
        for (structure, place) in zip(experiment.structures, structureLocations) {
            do {
                let blocks = try structure.resolve(config)
                for pipeline in experiment.pipelines { _ = try pipeline.checkedMLPs(blocks, config: config) }
            } catch {
                let message = "\(error)"
                let at = place.modules.first { message.contains("`\($0.0)`") }?.1 ?? place.layers
                self.error(at, message)
            }
        }
    }
}
