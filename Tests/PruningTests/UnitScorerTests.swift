import Foundation
import Llama
import ModelIO
@testable import Pruning
import Tensor
import TestSupport
import XCTest

/// Head and block scorers against their definitions computed here, plainly.
final class UnitScorerTests: XCTestCase {
    func make(_ name: String) throws -> any Scorer { try ScorerRegistry.make(ComponentSpec(name: name)) }

    func testHeadScorersFollowTheirDefinitions() throws {
        var rng = SeededRandom(seed: 5)
        let norms = rng.uniform(24, scale: 1).map { Double(abs($0)) }, columns = rng.uniform(24, scale: 1).map { Double(abs($0)) }
        let variance = rng.uniform(24, scale: 1).map { Double(abs($0)) }
        let heads = HeadInputs(groups: 3, channels: 8, channelNorms: norms, outputColumnNorms: columns, channelVariance: variance)
        let input = ScoringInput(weight: Matrix(rows: 1, columns: 24), previous: [], inputNorms: norms, outputNorms: [],
                                 module: LinearModule(layer: 0, kind: .o), heads: heads)
        let norm = try make("head_norm").score(input), output = try make("head_output").score(input)
        let fluctuation = try make("head_fluctuation").score(input)
        for g in 0..<3 {
            var squares = 0.0, weighted = 0.0, fluctuating = 0.0
            for c in g * 8..<g * 8 + 8 {
                squares += norms[c] * norms[c]
                weighted += norms[c] * columns[c]
                fluctuating += variance[c] * columns[c] * columns[c]
            }
            XCTAssertEqual(norm[g], squares.squareRoot(), accuracy: 1e-12)
            XCTAssertEqual(output[g], weighted, accuracy: 1e-12)
            XCTAssertEqual(fluctuation[g], fluctuating, accuracy: 1e-12)
        }
    }

    func testHeadImportancesComeFromOProjInputs() throws {
        let path = try TestPaths.temporaryFolder(self).appendingPathComponent("tiny.gguf").path
        let tiny = TinyLlama(seed: 8) { $0.layers = 2 }
        try tiny.write(to: path)
        let model = try LlamaModel.load(path: path)
        let windows: [[Int32]] = (0..<3).map { w in (0..<20).map { Int32(($0 * 11 + w * 5) % 100) } }
        let modules = Set((0..<2).map { LinearModule(layer: $0, kind: .o) })
        let stats = CalibrationRun.statistics(model, windows: windows, modules: modules, attentionLayers: [0, 1])
        // The attention output's per-channel mean and sample variance, from the Float64 forward pass.
        var sum = [[Double]](repeating: [Double](repeating: 0, count: 64), count: 2), squares = sum
        for w in windows {
            for (l, rows) in NaiveLlama(tiny).attentionOutputs(w.map(Int.init)).enumerated() {
                for row in rows { for c in 0..<64 { sum[l][c] += row[c]; squares[l][c] += row[c] * row[c] } }
            }
        }
        for l in 0..<2 {
            let measured = try XCTUnwrap(stats.attention(layer: l))
            for c in 0..<64 {
                let n = 60.0, mean = sum[l][c] / n, variance = (squares[l][c] - n * mean * mean) / (n - 1)
                XCTAssertEqual(measured.mean[c], mean, accuracy: 1e-5)
                XCTAssertEqual(measured.variance[c], variance, accuracy: 1e-5 * max(1, variance))
            }
        }
        let importances = try UnitPruning.importances(model: model, statistics: stats, similarity: nil, unit: .head, scorer: make("head_output"))
        XCTAssertEqual(importances.count, 2)
        for l in 0..<2 {
            let x = stats[LinearModule(layer: l, kind: .o)]!.input, o = model.weights.layers[l].o
            // Group g: o_proj input channels g·32..<(g+1)·32 (2 query heads of 16).
            let raw = (0..<2).map { g in
                (g * 32..<(g + 1) * 32).reduce(0.0) { s, c in
                    s + x[c] * (0..<o.rows).reduce(0.0) { $0 + Double(o[$1, c]) * Double(o[$1, c]) }.squareRoot()
                }
            }
            let total = raw.reduce(0, +)
            for g in 0..<2 { XCTAssertEqual(importances[l][g], raw[g] / total, accuracy: 1e-9) }
        }
        // A head scorer on a chain of rows, and a row scorer on heads, are refused by name.
        XCTAssertThrowsError(try UnitPruning.importances(model: model, statistics: stats, similarity: nil, unit: .head, scorer: make("wanda"))) {
            XCTAssertTrue("\($0)".contains("does not score heads"), "\($0)")
        }
    }

    func testBlockSimilarityAndBlockScorersMatchANaiveComputation() throws {
        let tiny = TinyLlama(seed: 9) { $0.layers = 3 }
        let path = try TestPaths.temporaryFolder(self).appendingPathComponent("tiny.gguf").path
        try tiny.write(to: path)
        let model = try LlamaModel.load(path: path)
        let windows: [[Int32]] = (0..<3).map { w in (0..<16).map { Int32(($0 * 13 + w * 7) % 100) } }
        let measured = BlockSimilarity.measure(model, windows: windows)
        // Naive: the Float64 forward pass's hidden states entering and leaving every block, token by token.
        var cos = [Double](repeating: 0, count: 3), angle = cos, input = cos, update = cos, n = 0.0
        for w in windows {
            let x = NaiveLlama(tiny).residuals(w.map(Int.init))
            for p in w.indices {
                for l in 0..<3 {
                    let a = x[l][p], b = x[l + 1][p]
                    let dot = zip(a, b).reduce(0.0) { $0 + $1.0 * $1.1 }
                    let c = dot / (a.reduce(0.0) { $0 + $1 * $1 }.squareRoot() * b.reduce(0.0) { $0 + $1 * $1 }.squareRoot())
                    cos[l] += c
                    angle[l] += acos(c) / Double.pi
                    input[l] += a.reduce(0.0) { $0 + $1 * $1 }
                    update[l] += zip(a, b).reduce(0.0) { $0 + ($1.1 - $1.0) * ($1.1 - $1.0) }
                }
                n += 1
            }
        }
        for l in 0..<3 {
            XCTAssertEqual(measured.cosine[l], cos[l] / n, accuracy: 1e-5)
            XCTAssertEqual(measured.angle[l], angle[l] / n, accuracy: 1e-5)
            XCTAssertEqual(measured.inputEnergy[l], input[l], accuracy: 1e-5 * input[l])
            XCTAssertEqual(measured.updateEnergy[l], update[l], accuracy: 1e-4 * update[l])
        }
        let bi = try UnitPruning.importances(model: model, statistics: nil, similarity: measured, unit: .block, scorer: make("block_influence"))[0]
        let influence = cos.map { 1 - $0 / n }, total = influence.reduce(0, +)
        for l in 0..<3 { XCTAssertEqual(bi[l], influence[l] / total, accuracy: 1e-4) }
        let ad = try UnitPruning.importances(model: model, statistics: nil, similarity: measured, unit: .block, scorer: make("angular_distance"))[0]
        let angles = angle.map { $0 / n }, sum = angles.reduce(0, +)
        for l in 0..<3 { XCTAssertEqual(ad[l], angles[l] / sum, accuracy: 1e-4) }
    }

    func testPrunersChooseUnits() throws {
        let c = LlamaConfig(hiddenSize: 64, intermediateSizes: [96, 96, 96], numHiddenLayers: 3, numAttentionHeads: 8, numKeyValueHeads: 4,
                            headDim: 8, vocabSize: 100, ropeTheta: 10000, rmsNormEps: 1e-5, tieWordEmbeddings: false, maxPositionEmbeddings: 64)
        let importances: [[Double]] = [[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1], [0.05, 0.05, 0.45, 0.45]]
        let local = try PrunerRegistry.make(ComponentSpec(name: "local")), global = try PrunerRegistry.make(ComponentSpec(name: "global"))
        // local, half of each block's groups: its two lowest.
        let l = try UnitPruning.select(importances, unit: .head, config: c, pipeline: .isolated, pruner: local, amount: 0.5)
        XCTAssertEqual(Set(l), Set([(0, 0), (0, 1), (1, 2), (1, 3), (2, 0), (2, 1)].map { PruningUnit(.head, layer: $0.0, index: $0.1) }))
        // global over the chained pipeline, 3 of 12: the three lowest anywhere.
        let g = try UnitPruning.select(importances, unit: .head, config: c, pipeline: .chained, pruner: global, amount: 0.25)
        XCTAssertEqual(Set(g), Set([(2, 0), (2, 1), (0, 0)].map { PruningUnit(.head, layer: $0.0, index: $0.1) }))
        // Blocks: one list; a third of 3 blocks is the lowest one.
        let b = try UnitPruning.select([[0.5, 0.2, 0.3]], unit: .block, config: c, pipeline: .isolated, pruner: local, amount: 0.34)
        XCTAssertEqual(b, [PruningUnit(.block, layer: 1)])
    }
}

/// The parameter budget, worked by hand.
final class BudgetPrunerTests: XCTestCase {
    func testBudgetRemovesTheCheapestShareOfParameters() throws {
        let budget = try PrunerRegistry.make(ComponentSpec(name: "budget"))
        // Ranked by importance × list size: (0,0) 0.4, (1,0) 0.9, (1,1) 0.9, (1,2) 1.2, (0,1) 1.6.
        // 15 % of 100 parameters: (0,0) costs 10, (1,0) 4 more (14 < 15), (1,1) 4 more (18): stop.
        let chosen = budget.unitsToPrune([[0.2, 0.8], [0.3, 0.3, 0.4]], costs: [[10, 10], [4, 4, 4]], of: 100, amount: 0.15)
        XCTAssertEqual(chosen, [[0], [0, 1]])
        // A list never loses its last unit: at 90 % both lists keep one.
        XCTAssertEqual(budget.unitsToPrune([[0.2, 0.8], [0.3, 0.3, 0.4]], costs: [[10, 10], [4, 4, 4]], of: 100, amount: 0.9), [[0], [0, 1]])
        XCTAssertEqual(budget.unitsToPrune([[0.5, 0.5]], costs: [[1, 1]], of: 2, amount: 0), [[]])
    }
}
