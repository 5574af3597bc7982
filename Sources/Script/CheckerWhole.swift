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
        let pruning = experiment.sweeps.contains { $0.amounts.contains { $0 > 0 } }
        if seen["scorer"] == nil && pruning { error(top, "the script names no scorer", help: "add a line such as " + Self.example("scorer")) }
        // An output above the first `model` or `amount` line shows nothing.
        for o in outputs where seen["model"] != nil && seen["amount"] != nil {
            let sweep = experiment.sweeps[o.sweep]
            if sweep.models.isEmpty || sweep.amounts.isEmpty {
                error(o.at, "\(o.what) stands above the script's first `\(sweep.models.isEmpty ? "model" : "amount")` line, so it shows no cell",
                      help: "an output shows the settings in force at its line: move it below them")
            }
        }
        // (A `calibrate` line with an error has been reported already.)
        for sweep in experiment.sweeps where seen["calibrate"] == nil && sweep.amounts.contains(where: { $0 > 0 }) {
            for spec in sweep.scorers {
                if let type = ScorerRegistry.all.first(where: { $0.name == spec.name }), type.needsStatistics {
                    error(scorerLocations[spec] ?? top, "scorer `\(spec.name)` needs calibration data",
                          help: "add a line such as " + Self.example("calibrate"))
                }
            }
        }
        // A sweep pairs each scorer with the structures whose units it scores, so every scorer needs one,
        // and every structure of coupled units (heads, blocks) a scorer of them.
        for sweep in experiment.sweeps where sweep.amounts.contains(where: { $0 > 0 }) {
            for spec in sweep.scorers where !sweep.structures.contains(where: { $0.fits(scorer: spec.name) }) {
                guard let type = ScorerRegistry.all.first(where: { $0.name == spec.name }) else { continue }
                if type.scoresMixes {
                    error(scorerLocations[spec] ?? top, "scorer `\(spec.name)` ranks the units of a mix, and no structure of the script is one",
                          help: "add a mix to the structures: structure model.layers: [mlp.neurons, mlp.neurons + attention.heads + blocks]")
                } else if type.scoresNeurons {
                    error(scorerLocations[spec] ?? top, "scorer `\(spec.name)` scores whole FFN neurons, and no structure of the script prunes them",
                          help: "add mlp.neurons to the structures: structure model.layers: [mlp.up_proj -> mlp.down_proj, mlp.neurons]")
                } else if let unit = type.unit {
                    let name = PruningStructure.unitNames.first { $0.value == unit }!.key
                    error(scorerLocations[spec] ?? top, "scorer `\(spec.name)` scores \(unit.rawValue)s, and no structure of the script is \(name)",
                          help: "add it to the structures: structure model.layers: [mlp.neurons, \(name)]")
                } else {
                    error(scorerLocations[spec] ?? top, "scorer `\(spec.name)` scores rows of a chain or whole neurons, and every structure of the script is of heads or blocks",
                          help: "use a head scorer (\(Self.unitScorers(.head))) or a block scorer (\(Self.unitScorers(.block)))")
                }
            }
            // A parameter budget needs units of known cost: whole neurons, head groups or blocks.
            if sweep.pruners.contains(where: { spec in PrunerRegistry.all.first { $0.name == spec.name }?.countsParameters == true }) {
                for structure in sweep.structures where structure.unit == nil && !structure.wholeNeurons && !structure.isMixed {
                    error(structureLocations[structure]?.modules.first?.1 ?? top,
                          "pruner budget removes a share of the parameters, which needs units of known cost; the chain \(structure.chain.joined(separator: " -> ")) has none",
                          help: "use mlp.neurons, attention.heads or blocks, or the local or global pruner")
                }
            }
            // A mix's units differ in size, so only a parameter budget can weigh them, and only a scorer of mixes rank them.
            for structure in sweep.structures where structure.isMixed || structure.unit != nil || structure.wholeNeurons {
                let at = structureLocations[structure]?.modules.first?.1 ?? top
                for spec in sweep.pruners {
                    do { try structure.check(pruner: spec) } catch let failure as PruningError { error(at, failure.description) } catch {}
                }
            }
            for structure in sweep.structures where structure.isMixed {
                let at = structureLocations[structure]?.modules.first?.1 ?? top
                if !sweep.scorers.contains(where: { structure.fits(scorer: $0.name) }) {
                    error(at, "structure \(structure.chain[0]) has no scorer of mixes in the script",
                          help: "add one to the scorers: \(ScorerRegistry.all.filter { $0.scoresMixes }.map { $0.name }.joined(separator: ", "))")
                }
            }
            // A pruner comparing raw scores across blocks needs, in every cell it meets, whole neurons,
            // the chained pipeline and a scorer whose scores share units, and one sparing blocks a structure
            // of rows or neurons; the first misfit is reported.
            var refused: Set<ComponentSpec> = []
            for (structure, pipeline, scorer, pruner) in Planner.combinations(sweep) where structure.fits(scorer: scorer.name) && !refused.contains(pruner) {
                do { try PrunerRegistry.checkScores(pruner: pruner, scorer: scorer, structure: structure, pipeline: pipeline) } catch {
                    refused.insert(pruner)
                    let spares = (try? PrunerRegistry.make(pruner).spared.isEmpty) == false
                    self.error(prunerLocations[pruner] ?? top, "\(error)",
                               help: spares ? "spare_first and spare_last apply to rows and neurons: give this pruner its own sweep of such structures, or pair them using `together`"
                                            : "give this pruner its own sweep with `structure model.layers: mlp.neurons`, `pipeline chained` and scorer obs, or pair it with those using `together`")
                }
            }
            for structure in sweep.structures where structure.unit != nil && !sweep.scorers.contains(where: { structure.fits(scorer: $0.name) }) {
                let unit = structure.unit!
                error(structureLocations[structure]?.modules.first?.1 ?? top, "structure \(structure.chain[0]) has no scorer of \(unit.rawValue)s in the script",
                      help: "add one to the scorers: \(Self.unitScorers(unit))")
            }
        }
        for sweep in experiment.sweeps where sweep.amounts.contains(where: { $0 > 0 }) {
            let reconstructions = sweep.reconstructions.compactMap { $0 }
            if seen["calibrate"] == nil {
                for spec in reconstructions {
                    error(reconstructionLocations[spec] ?? top, "reconstruct `\(spec.name)` needs calibration data",
                          help: "add a line such as " + Self.example("calibrate"))
                }
            }
            // Reconstruction refits what removed neurons leave; every structure of the sweep must remove some.
            for spec in reconstructions {
                for structure in sweep.structures {
                    do { try ReconstructorRegistry.check(spec, structure: structure) } catch let failure as PruningError {
                        error(reconstructionLocations[spec] ?? top, failure.description,
                              help: "use `structure model.layers: mlp.neurons`, or reconstruct none for this structure")
                    } catch {}
                }
            }
        }
        // Each model file once, however often it is listed.
        var read = Set<String>()
        for path in experiment.sweeps.flatMap(\.models) where read.insert(path).inserted { checkStructures(against: path) }
        // A figure or table of a task's metric needs that task among its evaluations; one over tasks needs an accuracy.
        for (y, at, index) in taskFigureLocations {
            let tasks = Set(experiment.sweeps[index].evaluations.map(\.task))
            if let task = y.split(separator: ".").first.map(String.init), FigureSpec.taskMetrics.contains(y), !tasks.contains(task) {
                error(at, "the script does not evaluate `\(task)` above this line", help: "add a line such as evaluate \(task) \"data/\(task).jsonl\"")
            } else if FigureSpec.aggregates.contains(y), !tasks.contains(where: { EvaluatorRegistry.type($0)?.headline.map { $0.hasPrefix("acc") } == true }) {
                error(at, "`\(y)` averages the accuracies of the script's tasks, and it evaluates none above this line",
                      help: "add a line such as evaluate hellaswag \"data/hellaswag.jsonl\"")
            }
        }
        // Filters, tables and references are checked against the planned cells, so only once the sweep is
        // known to be of a plannable size.
        let before = diagnostics.count
        checkTogether()
        checkCellCount()
        if diagnostics.count == before {
            checkFilters()
            checkTables()
            checkReferences()
        }
    }

    /// The number of cells the planner will make, from the lists' sizes alone (nothing is built), so a
    /// sweep too large to plan is refused first. Counted in Double: lists of 10,000 multiply past Int.
    mutating func checkCellCount() {
        var total = 0.0
        var largest: (Double, [(Double, String, String)]) = (0, [])
        for sweep in experiment.sweeps {
            let (n, factors) = Self.count(sweep)
            total += n
            if n > largest.0 { largest = (n, factors) }
        }
        guard total > Double(Self.maxCells) else { return }
        let factors = largest.1.filter { $0.0 > 1 }
        // Pointed at the longest list: the one to shorten first.
        let at = factors.max { $0.0 < $1.0 }.flatMap { seen[$0.2] } ?? SourceLocation(line: 1, column: 1)
        let sections = experiment.sweeps.count > 1 ? " over \(experiment.sweeps.count) sections; the largest has \(Self.count(largest.0))" : ""
        error(at, "this sweep has \(Self.count(total)) cells\(sections) (\(factors.map { "\(Self.count($0.0)) \($0.1)" }.joined(separator: " × "))); at most \(Self.maxCells)",
              help: "shorten a list or split the sweep into several scripts")
    }

    /// Cells of one sweep, counted from its lists, and the lists that multiply.
    static func count(_ e: Sweep) -> (Double, [(Double, String, String)]) {
        func n<T: Hashable>(_ list: [T]) -> Double { Double(Set(list).count) }
        let models = n(e.models) * n(e.precisions), evaluations = max(1, n(e.evaluations)), calibrations = max(1, n(e.calibrations))
        let replicates = Double(max(1, e.replicate?.values.count ?? 1))
        let pruned = Set(e.amounts.filter { $0 > 0 }).count
        let scorers = Set(e.scorers)
        let needing = Double(scorers.filter { s in ScorerRegistry.all.first { $0.name == s.name }?.needsStatistics ?? true }.count)
        var sizes = ["structure": n(e.structures), "pipeline": n(e.pipelines), "pruner": n(e.pruners), "scorer": Double(scorers.count)]
        // Lists swept together count once, as their shortest.
        if let first = e.together.first { for name in e.together.dropFirst() { sizes[name] = 1 }; sizes[first] = e.together.map { sizes[$0] ?? 1 }.min() ?? 1 }
        // A scorer without statistics ignores the calibration, so it does not multiply by it.
        let scorerFactor = sizes["scorer"]! == Double(scorers.count) ? (needing * calibrations + Double(scorers.count) - needing) : sizes["scorer"]! * calibrations
        let perAmount = sizes["structure"]! * sizes["pipeline"]! * sizes["pruner"]! * scorerFactor * replicates * n(e.reconstructions)
        let dense = e.amounts.contains(0) ? models * evaluations : 0
        let total = dense + models * evaluations * Double(pruned) * perAmount
        let factors: [(Double, String, String)] = [
            (n(e.models), "models", "model"), (n(e.precisions), "precisions", "precision"), (evaluations, "evaluations", "evaluate"), (Double(pruned), "amounts", "amount"),
            (calibrations, "calibrations", "calibrate"), (n(e.structures), "structures", "structure"), (n(e.pipelines), "pipelines", "pipeline"),
            (Double(scorers.count), "scorers", "scorer"), (n(e.pruners), "pruners", "pruner"), (n(e.reconstructions), "reconstructions", "reconstruct"),
            (replicates, "replicates", "replicate"),
        ]
        return (total, factors)
    }

    /// Lists swept together must have one length in every sweep that uses them.
    mutating func checkTogether() {
        guard let at = togetherLocation else { return }
        for sweep in experiment.sweeps where !sweep.together.isEmpty {
            let sizes = sweep.together.map { name -> (String, Int) in
                switch name {
                case "structure": (name, sweep.structures.count)
                case "pipeline": (name, sweep.pipelines.count)
                case "scorer": (name, sweep.scorers.count)
                default: (name, sweep.pruners.count)
                }
            }
            if Set(sizes.map(\.1)).count > 1 {
                error(at, "lists swept together must have one length: \(sizes.map { "\($0.0) has \($0.1)" }.joined(separator: ", "))",
                      help: "the i-th values go together, so give each list the same number of values")
            }
        }
    }

    /// Every `where` must keep some cell of its output's sweep: a value the sweep never takes is a typo or a stale filter.
    mutating func checkFilters() {
        guard !filterLocations.isEmpty else { return }
        var cellsOf: [Int: [Cell]] = [:]
        for filter in filterLocations {
            // The values the planned cells take, spelled as figures match them.
            let cells = cellsOf[filter.sweep] ?? referencedCells(filter.sweep).0
            cellsOf[filter.sweep] = cells
            let spelled = cells.map { CellSettings.value(filter.setting, $0) }
            guard !spelled.contains(filter.value) else { continue }
            failedFilters.insert(filter.at)
            // gamma and theta are spelled "gamma 0.5" in cells; shown here as written.
            func shown(_ v: String) -> String { v.hasPrefix(filter.setting + " ") ? String(v.dropFirst(filter.setting.count + 1)) : v }
            var unique: [String] = []
            for v in spelled.map(shown) where !unique.contains(v) && unique.count < 12 { unique.append(v) }
            error(filter.at, "\(filter.output) keeps no cell: the sweep has no \(filter.setting) `\(shown(filter.value))`",
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
        // Each structure with the pipelines it is paired with (all of them, unless swept together).
        var pairs: [(PruningStructure, [Pipeline])] = []
        for sweep in experiment.sweeps where sweep.models.contains(path) {
            let methods = sweep.scorers.isEmpty ? Planner.combinations({ var s = sweep; s.scorers = [ComponentSpec(name: "norm")]; return s }()) : Planner.combinations(sweep)
            for (structure, pipeline, _, _) in methods {
                if let i = pairs.firstIndex(where: { $0.0 == structure }) {
                    if !pairs[i].1.contains(pipeline) { pairs[i].1.append(pipeline) }
                } else {
                    pairs.append((structure, [pipeline]))
                }
            }
        }
        for (structure, pipelines) in pairs {
            guard let place = structureLocations[structure] else { continue }
            do {
                let blocks = try structure.resolve(config)
                for pipeline in pipelines { _ = try pipeline.checkedMLPs(blocks, config: config, flows: structure.passesImportance) }
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

extension Checker {
    /// The scorers of a unit, for help lines.
    static func unitScorers(_ unit: UnitKind) -> String {
        ScorerRegistry.all.filter { $0.unit == unit }.map { $0.name }.joined(separator: ", ")
    }
}
