import Evaluation
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
        // Neuron scorers score whole neurons; a sweep pairs them only with such structures, so it needs one.
        if pruning && !experiment.structures.contains(where: \.wholeNeurons) {
            for spec in experiment.scorers where ScorerRegistry.all.first(where: { $0.name == spec.name })?.scoresNeurons == true {
                error(scorerLocations[spec] ?? top, "scorer `\(spec.name)` scores whole FFN neurons, and no structure of the script prunes them",
                      help: "add mlp.neurons to the structures: structure model.layers: [mlp.up_proj -> mlp.down_proj, mlp.neurons]")
            }
        }
        let reconstructions = experiment.reconstructions.compactMap { $0 }
        if pruning && experiment.calibrations.isEmpty && seen["calibrate"] == nil {
            for spec in reconstructions {
                error(reconstructionLocations[spec] ?? top, "reconstruct `\(spec.name)` needs calibration data",
                      help: "add a line such as " + Self.example("calibrate"))
            }
        }
        // Reconstruction refits what removed neurons leave; every structure of the sweep must remove some.
        for spec in reconstructions {
            for structure in experiment.structures {
                do { try ReconstructorRegistry.check(spec, structure: structure) } catch let failure as PruningError {
                    error(reconstructionLocations[spec] ?? top, failure.description,
                          help: "use `structure model.layers: mlp.neurons`, or reconstruct none for this structure")
                } catch {}
            }
        }
        // Each model file once, however often it is listed.
        var read = Set<String>()
        for path in experiment.models where read.insert(path).inserted { checkStructures(against: path) }
        // A figure of a task's metric needs that task among the evaluations; one over tasks needs an accuracy.
        let tasks = Set(experiment.evaluations.map(\.task))
        for (y, at) in taskFigureLocations {
            if let task = y.split(separator: ".").first.map(String.init), FigureSpec.taskMetrics.contains(y), !tasks.contains(task) {
                error(at, "the script does not evaluate `\(task)`", help: "add a line such as evaluate \(task) \"data/\(task).jsonl\"")
            } else if FigureSpec.aggregates.contains(y), !tasks.contains(where: { EvaluatorRegistry.type($0)?.headline.map { $0.hasPrefix("acc") } == true }) {
                error(at, "`\(y)` averages the accuracies of the script's tasks, and it evaluates none",
                      help: "add a line such as evaluate hellaswag \"data/hellaswag.jsonl\"")
            }
        }
        // Filters are checked against the planned cells, so only once the sweep is known to be of a plannable size.
        let before = diagnostics.count
        checkCellCount()
        if diagnostics.count == before { checkFilters() }
    }

    /// The number of cells the planner will make, from the lists' sizes alone (nothing is built), so a
    /// sweep too large to plan is refused first. Counted in Double: lists of 10,000 multiply past Int.
    mutating func checkCellCount() {
        let e = experiment
        func n<T: Hashable>(_ list: [T]) -> Double { Double(Set(list).count) }
        let models = n(e.models), evaluations = max(1, n(e.evaluations)), calibrations = max(1, n(e.calibrations))
        let pruned = Set(e.amounts.filter { $0 > 0 }).count
        let scorers = Set(e.scorers)
        let needing = Double(scorers.filter { s in ScorerRegistry.all.first { $0.name == s.name }?.needsStatistics ?? true }.count)
        // A scorer without statistics ignores the calibration, so it does not multiply by it.
        let perAmount = n(e.structures) * n(e.pipelines) * n(e.pruners) * n(e.reconstructions)
            * (needing * calibrations + Double(scorers.count) - needing)
        let dense = e.amounts.contains(0) ? models * evaluations : 0
        let total = dense + models * evaluations * Double(pruned) * perAmount
        guard total > Double(Self.maxCells) else { return }
        let factors: [(Double, String, String)] = [
            (models, "models", "model"), (evaluations, "evaluations", "evaluate"), (Double(pruned), "amounts", "amount"),
            (calibrations, "calibrations", "calibrate"), (n(e.structures), "structures", "structure"), (n(e.pipelines), "pipelines", "pipeline"),
            (Double(scorers.count), "scorers", "scorer"), (n(e.pruners), "pruners", "pruner"), (n(e.reconstructions), "reconstructions", "reconstruct"),
        ].filter { $0.0 > 1 }
        // Pointed at the longest list: the one to shorten first.
        let at = factors.max { $0.0 < $1.0 }.flatMap { seen[$0.2] } ?? SourceLocation(line: 1, column: 1)
        error(at, "this sweep has \(Self.count(total)) cells (\(factors.map { "\(Self.count($0.0)) \($0.1)" }.joined(separator: " × "))); at most \(Self.maxCells)",
              help: "shorten a list or split the sweep into several scripts")
    }

    /// Every figure's `where` must keep some cell: a value the sweep never takes is a typo or a stale filter.
    mutating func checkFilters() {
        guard !filterLocations.isEmpty else { return }
        // The values the planned cells take, spelled as figures match them.
        let cells = Planner.cells(experiment)
        func spelled(_ setting: String) -> [String] { cells.map { CellSettings.value(setting, $0) } }
        var known: [String: Set<String>] = [:]
        for filter in filterLocations {
            let have = known[filter.setting] ?? Set(spelled(filter.setting))
            known[filter.setting] = have
            guard !have.contains(filter.value) else { continue }
            // gamma and theta are spelled "gamma 0.5" in cells; shown here as written.
            func shown(_ v: String) -> String { v.hasPrefix(filter.setting + " ") ? String(v.dropFirst(filter.setting.count + 1)) : v }
            var unique: [String] = []
            for v in spelled(filter.setting).map(shown) where !unique.contains(v) && unique.count < 12 { unique.append(v) }
            error(filter.at, "figure `\(filter.figure)` keeps no cell: the sweep has no \(filter.setting) `\(shown(filter.value))`",
                  help: unique.isEmpty ? nil : "its \(filter.setting) values are: \(unique.joined(separator: ", "))")
        }
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
                for pipeline in experiment.pipelines { _ = try pipeline.checkedMLPs(blocks, config: config, flows: !structure.wholeNeurons) }
            } catch let failure as PruningError {
                // The error says which module it is about; a module named twice is pointed at its second place.
                var at = place.layers
                if let module = failure.module {
                    let places = place.modules.filter { $0.0 == module }.map(\.1)
                    at = places.dropFirst().first ?? places.first ?? at
                }
                self.error(at, failure.description)
            } catch {
                self.error(place.layers, "\(error)")
            }
        }
    }
}
