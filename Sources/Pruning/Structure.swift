import Llama

/// What to prune: the list of blocks (`model.layers`) and, inside each block, either a chain of linear
/// modules (`mlp.up_proj -> mlp.down_proj`, LLM-Rank's) whose output rows are pruned, named as Hugging
/// Face checkpoints name them, or `mlp.neurons`: whole FFN neurons (gate row, up row and down column
/// together), the structure that leaves the residual stream's channels alone.
public struct PruningStructure: Codable, Hashable, Sendable, CustomStringConvertible {
    public var layersPath: String
    public var chain: [String]

    /// The spelling of whole FFN neurons as a structure.
    public static let neuronsName = "mlp.neurons"
    /// Key/value head groups: a KV head with its query heads' q rows, its k and v rows, and the o
    /// columns its query heads write (`PruningUnit.slices`).
    public static let headsName = "attention.heads"
    /// Whole decoder blocks: the residual stream passes through a removed one.
    public static let blocksName = "blocks"
    /// Structures whose units are coupled groups rather than rows of a chain, with their unit.
    public static let unitNames: [String: UnitKind] = [headsName: .head, blocksName: .block]
    /// The unit structures a mix may join, with their unit.
    public static let mixMembers: [String: UnitKind] = [neuronsName: .neuron, headsName: .head, blocksName: .block]
    /// How a mix is spelled: its members joined by ` + ` (`mlp.neurons + attention.heads + blocks`).
    public static let mixSeparator = " + "

    /// A mix of unit structures whose units compete under one parameter budget, held as one chain
    /// entry (so the keys of every other structure are unchanged).
    public static func mixed(_ members: [String], layersPath: String = "model.layers") -> PruningStructure {
        PruningStructure(layersPath: layersPath, chain: [members.joined(separator: mixSeparator)])
    }

    /// Whether the structure is written as a mix (`a + b`); `mixedUnits` says whether it is a valid one.
    public var isMixed: Bool { chain.count == 1 && chain[0].contains("+") }

    /// The members of a mix, as written.
    public var mixMemberNames: [String] {
        isMixed ? chain[0].components(separatedBy: "+").map { $0.trimmingCharacters(in: .whitespaces) } : []
    }

    /// The units of a valid mix (two or more distinct unit structures), in the order written; nil otherwise.
    public var mixedUnits: [UnitKind]? {
        let names = mixMemberNames
        let kinds = names.compactMap { Self.mixMembers[$0] }
        guard isMixed, kinds.count == names.count, kinds.count >= 2, Set(kinds).count == kinds.count else { return nil }
        return kinds
    }

    /// `init()` is LLM-Rank's chain, kept for `prune prune` and reproduction; a new script's default is `neurons`.
    public init(layersPath: String = "model.layers", chain: [String] = ["mlp.up_proj", "mlp.down_proj"]) {
        self.layersPath = layersPath
        self.chain = chain
    }

    /// Whole FFN neurons in every block: `model.layers: mlp.neurons`.
    public static let neurons = PruningStructure(chain: [neuronsName])

    /// Whether importance passes from module to module along the chain (LLM-Rank's chains only).
    public var passesImportance: Bool { !wholeNeurons && unit == nil && !isMixed }

    /// The unit of a coupled-group structure (`attention.heads`, `blocks`), nil for a chain or neurons.
    public var unit: UnitKind? { chain.count == 1 ? Self.unitNames[chain[0]] : nil }

    /// Whether the structure removes whole neurons and nothing else: `mlp.neurons`, or a one-module chain
    /// of mlp.up_proj or mlp.gate_proj (whose rows are neurons: removing one removes its gate row, up row
    /// and down column). No importance passes between blocks then: each block is scored from its own
    /// statistics, and the chained pipeline only lets all blocks' neurons compete under a global pruner.
    public var wholeNeurons: Bool {
        chain == [Self.neuronsName] || chain == [LinearKind.up.rawValue] || chain == [LinearKind.gate.rawValue]
    }

    /// Blocks prune FFN neurons (a gate or up row) under this structure: what reconstruction refits.
    public var removesNeurons: Bool {
        chain.contains { $0 == Self.neuronsName || $0 == LinearKind.up.rawValue || $0 == LinearKind.gate.rawValue }
    }

    /// The attention modules the structure prunes (reconstruction refits only down_proj, so it refuses these).
    public var attentionModules: [String] {
        if isMixed { return mixMemberNames.filter { Self.unitNames[$0] != nil } }
        return chain.filter { $0.hasPrefix("self_attn.") || Self.unitNames[$0] != nil }
    }

    /// Whether a scorer scores this structure's units: head scorers only `attention.heads`, block scorers
    /// only `blocks`, neuron scorers only whole neurons, and other scorers only chains and neurons. A
    /// sweep pairs each scorer with the structures it fits (unknown scorers fit, to be refused by name).
    public func fits(scorer name: String) -> Bool {
        guard let type = ScorerRegistry.all.first(where: { $0.name == name }) else { return true }
        // Units of different kinds compete only on one scale, which only a scorer of mixes gives.
        if isMixed || type.scoresMixes { return isMixed && type.scoresMixes }
        if type.unit != nil || unit != nil { return type.unit == unit }
        return !type.scoresNeurons || wholeNeurons
    }

    /// Refuses, by name, a scorer that does not score this structure's units.
    public func check(scorer name: String) throws {
        guard !fits(scorer: name), let type = ScorerRegistry.all.first(where: { $0.name == name }) else { return }
        let mixScorers = ScorerRegistry.all.filter { $0.scoresMixes }.map { $0.name }.joined(separator: ", ")
        if isMixed {
            throw PruningError("scorer \(name) scores one kind of unit; the units of the mix \(chain[0]) compete on one scale, which only \(mixScorers) gives")
        }
        if type.scoresMixes {
            throw PruningError("scorer \(name) ranks the units of a mix (e.g. mlp.neurons + attention.heads), not the units of the structure \(chain.joined(separator: " -> ")); for one kind of unit use its own scorers")
        }
        if type.scoresNeurons {
            throw PruningError("scorer \(name) scores FFN neurons (rows of mlp.up_proj or mlp.gate_proj), not the units of the structure \(chain.joined(separator: " -> ")); use the structure mlp.neurons")
        }
        if let unit = type.unit, let structure = Self.unitNames.first(where: { $0.value == unit })?.key {
            throw PruningError("scorer \(name) scores \(unit.rawValue)s, not the units of the structure \(chain.joined(separator: " -> ")); use the structure \(structure)")
        }
        let fitting = ScorerRegistry.all.filter { fits(scorer: $0.name) }.map { $0.name }.joined(separator: ", ")
        throw PruningError("scorer \(name) does not score the units of the structure \(chain.joined(separator: " -> ")); it takes: \(fitting)")
    }

    /// The same with the pruner's parameters: `budget(per_block: true)` shares each block's budget between
    /// the kinds of a mix, so it takes only mixes.
    public func check(pruner spec: ComponentSpec) throws {
        try check(pruner: spec.name)
        if !isMixed, let budget = try? PrunerRegistry.make(spec) as? BudgetPruner, budget.perBlock {
            throw PruningError("budget(per_block: true) shares each block's budget between the kinds of a mix; the structure \(chain.joined(separator: " -> ")) has one kind (local removes the same share of every block)")
        }
    }

    /// Refuses, by name, a parameter-budget pruner on a chain (its rows have no known cost).
    public func check(pruner name: String) throws {
        if isMixed {
            guard PrunerRegistry.all.first(where: { $0.name == name })?.countsParameters == true || !PrunerRegistry.names.contains(name) else {
                throw PruningError("the units of the mix \(chain[0]) differ in size, so they compete under a parameter budget: use the pruner budget, not \(name)")
            }
            return
        }
        guard PrunerRegistry.all.first(where: { $0.name == name })?.countsParameters == true, unit == nil, !wholeNeurons else { return }
        throw PruningError("pruner \(name) removes a share of the parameters, which needs units of known cost; the chain \(chain.joined(separator: " -> ")) has none (use mlp.neurons, attention.heads or blocks)")
    }

    /// Parses `"mlp.up_proj -> mlp.down_proj"`.
    public static func parseChain(_ text: String) throws -> [String] {
        let parts = text.components(separatedBy: "->").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty }) else {
            throw PruningError("chain \"\(text)\" must list module names separated by ->, e.g. \"mlp.up_proj -> mlp.down_proj\"")
        }
        return parts
    }

    public var description: String { "\(layersPath): \(chain.joined(separator: " -> "))" }

    /// The chain's modules in every block, checked against what the model has.
    public func resolve(_ config: LlamaConfig) throws -> [[LinearModule]] {
        guard layersPath == "model.layers" else {
            throw PruningError("the model has no block list `\(layersPath)`; it has: model.layers", subject: .blockList(layersPath))
        }
        guard !chain.isEmpty else { throw PruningError("the chain of modules to prune is empty") }
        if isMixed { return try resolveMix(config) }
        for (name, _) in Self.unitNames where chain.contains(name) {
            guard chain.count == 1 else {
                throw PruningError("`\(name)` is a structure of its own and cannot be chained with other modules", subject: .module(name))
            }
            // Head groups are scored from o_proj's input (the heads' outputs side by side); blocks from
            // their hidden states, measured apart, so o_proj's statistics are all calibration keeps.
            return (0..<config.numHiddenLayers).map { [LinearModule(layer: $0, kind: .o)] }
        }
        if chain.contains(Self.neuronsName) {
            guard chain.count == 1 else {
                throw PruningError("`\(Self.neuronsName)` is a structure of its own and cannot be chained with other modules", subject: .module(Self.neuronsName))
            }
            // A neuron is named by its up_proj row; removing it removes its gate row and down column too.
            return (0..<config.numHiddenLayers).map { [LinearModule(layer: $0, kind: .up)] }
        }
        var kinds: [LinearKind] = []
        for name in chain {
            guard let kind = LinearKind(rawValue: name) else {
                let known = (LinearKind.allCases.map(\.rawValue) + [Self.neuronsName, Self.headsName, Self.blocksName]).joined(separator: ", ")
                throw PruningError("the blocks of `\(layersPath)` have no linear module `\(name)`; they have: \(known)", subject: .module(name))
            }
            guard !kinds.contains(kind) else { throw PruningError("module `\(name)` appears twice in the chain", subject: .module(name)) }
            kinds.append(kind)
        }
        return (0..<config.numHiddenLayers).map { l in kinds.map { LinearModule(layer: l, kind: $0) } }
    }
}

extension PruningStructure {
    /// A mix's modules in every block: up_proj (whose rows name the neurons) and o_proj (whose input the
    /// head groups are scored from), as its members need. Blocks are scored from hidden states.
    func resolveMix(_ config: LlamaConfig) throws -> [[LinearModule]] {
        let names = mixMemberNames
        for name in names where Self.mixMembers[name] == nil {
            let hint = LinearKind(rawValue: name) != nil || name.contains("->")
                ? "; a chain of modules cannot join a mix, only unit structures can" : ""
            throw PruningError("`\(name)` cannot join a mix: a mix joins \(Self.mixOptions)\(hint)", subject: .module(name))
        }
        guard let kinds = mixedUnits else {
            let twice = names.first { n in names.filter { $0 == n }.count > 1 }
            throw PruningError(twice.map { "`\($0)` appears twice in the mix" } ?? "a mix joins two or more of \(Self.mixOptions)",
                               subject: twice.map { .module($0) })
        }
        return (0..<config.numHiddenLayers).map { l in
            (kinds.contains(.neuron) ? [LinearModule(layer: l, kind: .up)] : []) + (kinds.contains(.head) ? [LinearModule(layer: l, kind: .o)] : [])
        }
    }

    static var mixOptions: String { [neuronsName, headsName, blocksName].joined(separator: ", ") }
}

/// How blocks' chains are grouped into the MLPs that are scored and pruned together.
public enum Pipeline: String, Codable, CaseIterable, Sendable {
    /// Each block's chain is its own MLP.
    case isolated
    /// All blocks' chains in order form one MLP (up₀, down₀, up₁, down₁, ...).
    case chained

    public func mlps(_ blocks: [[LinearModule]]) -> [[LinearModule]] {
        switch self {
        case .isolated: blocks
        case .chained: [blocks.flatMap { $0 }]
        }
    }

    /// The MLPs, checked to be ones: each module's outputs must feed the next module's inputs, since
    /// scoring passes importance along the chain. Checked from the configuration, before any compute.
    public func checkedMLPs(_ blocks: [[LinearModule]], config: LlamaConfig, flows: Bool = true) throws -> [[LinearModule]] {
        let groups = mlps(blocks)
        // Whole neurons pass no importance from block to block, so shapes need not join.
        for mlp in groups where flows {
            for (a, b) in zip(mlp, mlp.dropFirst()) {
                let outputs = config.shape(of: a.kind, layer: a.layer).rows, inputs = config.shape(of: b.kind, layer: b.layer).columns
                guard outputs == inputs else {
                    let hint = self == .chained && a.layer != b.layer
                        ? "; the chained pipeline joins one block's last module to the next block's first, so use the isolated pipeline or a chain that ends where it starts (e.g. mlp.up_proj -> mlp.down_proj)"
                        : ""
                    // The module whose inputs do not fit is the one to point at.
                    throw PruningError("pipeline \(rawValue): \(b.name) takes \(inputs) inputs but \(a.name) before it has \(outputs) outputs\(hint)",
                                       subject: .module(b.kind.rawValue))
                }
            }
        }
        return groups
    }
}

import Foundation
