import Llama
@testable import Pruning
import Tensor
import TestSupport
import XCTest

/// A mix of neurons, head groups and blocks under one parameter budget, on a model small enough to
/// follow by hand, and the contribution scorer against its definition.
final class MixedUnitsTests: XCTestCase {
    // 2 blocks, hidden 8, 4 neurons, 2 key/value head groups of one 4-wide query head each. Costs by hand:
    // a neuron 3·8 = 24; a head group q, k, v rows 3·4·8 + o columns 8·4 = 128; a block
    // 4·64 (q, k, v, o) + 3·32 (gate, up, down) + 2·8 (norms) = 368; both blocks 736.
    let config = LlamaConfig(hiddenSize: 8, intermediateSizes: [4, 4], numHiddenLayers: 2, numAttentionHeads: 2, numKeyValueHeads: 2,
                             headDim: 4, vocabSize: 10, ropeTheta: 10000, rmsNormEps: 1e-5, tieWordEmbeddings: false, maxPositionEmbeddings: 16)
    let all: [UnitKind] = [.neuron, .head, .block]
    // Lists in MixedUnits order: block 0's neurons, block 1's neurons, block 0's heads, block 1's heads, the blocks.
    // Scores chosen so that score per parameter is: neurons 0: .01 .1 .2 .3; neurons 1: .02 .03 .4 .5;
    // heads 0: .01 .2; heads 1: .05 .5; blocks: .2 1.
    let scores: [[Double]] = [[0.24, 2.4, 4.8, 7.2], [0.48, 0.72, 9.6, 12], [1.28, 25.6], [6.4, 64], [73.6, 368]]

    func n(_ l: Int, _ i: Int) -> PruningUnit { PruningUnit(.neuron, layer: l, index: i) }
    func h(_ l: Int, _ i: Int) -> PruningUnit { PruningUnit(.head, layer: l, index: i) }

    func testCostsAreTheSlicesParameters() {
        XCTAssertEqual(n(0, 0).parameters(config), 24)
        XCTAssertEqual(h(1, 1).parameters(config), 128)
        XCTAssertEqual(PruningUnit(.block, layer: 0).parameters(config), 368)
        XCTAssertEqual(UnitPruning.blockParameters(config), 736)
        XCTAssertEqual(MixedUnits.lists(all, config).map(\.name), ["model.layers.0.mlp.neurons", "model.layers.1.mlp.neurons",
            "model.layers.0.self_attn.heads", "model.layers.1.self_attn.heads", "model.layers"])
    }

    func testOneBudgetTakesTheLeastScorePerParameterFirst() throws {
        func select(_ amount: Double) throws -> Set<PruningUnit> { Set(try MixedUnits.select(scores, kinds: all, config: config, amount: amount)) }
        XCTAssertEqual(try select(0), [])
        // 10 % = 73.6: neuron 0.0 (24), then head 0.0 (tie at .01, after it in list order): 152.
        XCTAssertEqual(try select(0.1), [n(0, 0), h(0, 0)])
        // 40 % = 294.4: then neurons 1.0, 1.1 and head 1.0: 328.
        XCTAssertEqual(try select(0.4), [n(0, 0), h(0, 0), n(1, 0), n(1, 1), h(1, 0)])
        // 60 % = 441.6: neurons 0.1, 0.2 (376); head 0.1 would be block 0's last, so passed over; block 0
        // (at .2, after them) costs what is left of it, 368 − 200, and takes its removed units along: 544.
        XCTAssertEqual(try select(0.6), [PruningUnit(.block, layer: 0), n(1, 0), n(1, 1), h(1, 0)])
        // 99 %: block 1 is never removed too; every unit of block 1 but its last neuron and head goes.
        XCTAssertEqual(try select(0.99), [PruningUnit(.block, layer: 0), n(1, 0), n(1, 1), n(1, 2), h(1, 0)])
    }

    func testPerBlockBudgetSpendsEachBlocksShare() throws {
        let kinds: [UnitKind] = [.neuron, .head]
        let s = Array(scores.prefix(4))
        // 50 % of each block (184): block 0 takes .01 .01 .1 .2 (200), block 1 .02 .03 .05 .4 (200).
        XCTAssertEqual(Set(try MixedUnits.select(s, kinds: kinds, config: config, amount: 0.5, perBlock: true)),
                       [n(0, 0), h(0, 0), n(0, 1), n(0, 2), n(1, 0), n(1, 1), h(1, 0), n(1, 2)])
        XCTAssertThrowsError(try MixedUnits.select(scores, kinds: all, config: config, amount: 0.5, perBlock: true)) {
            XCTAssertTrue("\($0)".contains("cannot remove whole blocks"), "\($0)")
        }
        XCTAssertThrowsError(try MixedUnits.select(scores, kinds: all, config: config, amount: 1.5)) {
            XCTAssertTrue("\($0)".contains("amount must lie in [0, 1)"), "\($0)")
        }
        XCTAssertThrowsError(try MixedUnits.select(s, kinds: all, config: config, amount: 0.5)) {
            XCTAssertTrue("\($0)".contains("do not fit"), "\($0)")
        }
    }

    func testContributionFollowsItsDefinition() throws {
        var rng = SeededRandom(seed: 11)
        let positive = { (k: Int) in rng.uniform(k, scale: 1).map { Double(abs($0)) + 0.01 } }
        let norms = positive(6), down = positive(6), channels = positive(8), columns = positive(8)
        var blocks = BlockSimilarity(cosine: [0.9, 0.8], angle: [0.1, 0.2], tokens: 5)
        blocks.inputEnergy = [2, 5]
        blocks.updateEnergy = [0.5, 4]
        let scorer = try ScorerRegistry.make(ComponentSpec(name: "contribution"))
        var neurons = ScoringInput(weight: Matrix(rows: 6, columns: 8), previous: [], inputNorms: [], outputNorms: [],
                                   module: LinearModule(layer: 1, kind: .up))
        neurons.neurons = NeuronInputs(norm: norms, mean: norms, variance: norms, downColumnNorms: down)
        neurons.blocks = blocks
        let ns = try scorer.score(neurons)
        for j in 0..<6 { XCTAssertEqual(ns[j], norms[j] * norms[j] * down[j] * down[j] / 5, accuracy: 1e-12) }
        var heads = ScoringInput(weight: Matrix(rows: 8, columns: 8), previous: [], inputNorms: channels, outputNorms: [],
                                 module: LinearModule(layer: 0, kind: .o))
        heads.heads = HeadInputs(groups: 2, channels: 4, channelNorms: channels, outputColumnNorms: columns, channelVariance: channels)
        heads.blocks = blocks
        let hs = try scorer.score(heads)
        for g in 0..<2 {
            var energy = 0.0
            for c in g * 4..<g * 4 + 4 { energy += channels[c] * channels[c] * columns[c] * columns[c] }
            XCTAssertEqual(hs[g], energy / 2, accuracy: 1e-12)
        }
        var whole = ScoringInput(weight: Matrix(rows: 8, columns: 8), previous: [], inputNorms: [], outputNorms: [],
                                 module: LinearModule(layer: 0, kind: .o))
        whole.blocks = blocks
        XCTAssertEqual(try scorer.score(whole), [0.25, 0.8])
        // Without the blocks' energies it cannot put units on one scale, and says so.
        whole.blocks = nil
        XCTAssertThrowsError(try scorer.score(whole)) { XCTAssertTrue("\($0)".contains("needs the energy"), "\($0)") }
    }

    func testMixStructuresAreCheckedByName() throws {
        let mix = PruningStructure.mixed(["mlp.neurons", "attention.heads"])
        XCTAssertEqual(mix.description, "model.layers: mlp.neurons + attention.heads")
        XCTAssertEqual(mix.mixedUnits, [.neuron, .head])
        XCTAssertFalse(mix.passesImportance)
        XCTAssertEqual(try mix.resolve(config), [[LinearModule(layer: 0, kind: .up), LinearModule(layer: 0, kind: .o)],
                                                  [LinearModule(layer: 1, kind: .up), LinearModule(layer: 1, kind: .o)]])
        XCTAssertTrue(mix.fits(scorer: "contribution"))
        XCTAssertFalse(mix.fits(scorer: "neuron_output"))
        XCTAssertFalse(PruningStructure.neurons.fits(scorer: "contribution"))
        XCTAssertNoThrow(try mix.check(pruner: "budget"))
        XCTAssertThrowsError(try mix.check(pruner: "global")) { XCTAssertTrue("\($0)".contains("use the pruner budget"), "\($0)") }
        XCTAssertThrowsError(try PruningStructure.mixed(["mlp.neurons", "mlp.gate_proj"]).resolve(config)) {
            XCTAssertTrue("\($0)".contains("`mlp.gate_proj` cannot join a mix"), "\($0)")
        }
        XCTAssertThrowsError(try PruningStructure.mixed(["blocks", "blocks"]).resolve(config)) {
            XCTAssertTrue("\($0)".contains("appears twice"), "\($0)")
        }
        // Reconstruction refits only down_proj, so a mix with heads is refused by name.
        XCTAssertThrowsError(try ReconstructorRegistry.check(ComponentSpec(name: "least_squares"), structure: mix)) {
            XCTAssertTrue("\($0)".contains("attention.heads"), "\($0)")
        }
    }
}
