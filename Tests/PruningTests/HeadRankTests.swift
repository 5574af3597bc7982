import Foundation
import Llama
import ModelIO
@testable import Pruning
import Tensor
import TestSupport
import XCTest

/// head_rank against its definition worked here with plain loops: the edge weights between
/// consecutive blocks' head groups, and the weighted PageRank by power iteration over the whole graph.
final class HeadRankTests: XCTestCase {
    func make(_ name: String, _ parameters: [String: ComponentSpec.Value] = [:]) throws -> any Scorer {
        try ScorerRegistry.make(ComponentSpec(name: name, parameters: parameters))
    }

    /// A tiny GQA model (8 query heads in 4 key/value groups, head dim 8) and its o_proj input statistics.
    func tinyModel(layers: Int = 3) throws -> LlamaModel {
        let path = try TestPaths.temporaryFolder(self).appendingPathComponent("tiny.gguf").path
        try TinyLlama(seed: 21) { $0.layers = layers; $0.heads = 8; $0.kvHeads = 4 }.write(to: path)
        return try LlamaModel.load(path: path)
    }

    func statistics(_ model: LlamaModel) -> CalibrationStatistics {
        let layers = model.config.numHiddenLayers
        let windows: [[Int32]] = (0..<3).map { w in (0..<18).map { Int32(($0 * 7 + w * 13) % 100) } }
        return CalibrationRun.statistics(model, windows: windows, modules: Set((0..<layers).map { LinearModule(layer: $0, kind: .o) }),
                                         attentionLayers: Set(0..<layers))
    }

    /// w[l][h][g]: ‖W_qkv⁽ˡ⁾[h] · diag(n⁽ˡ⁾) · W_o⁽ˡ⁻¹⁾[:, g] · diag(‖x_c‖)‖_F entry by entry, for l ≥ 1.
    func naiveEdges(_ model: LlamaModel, _ stats: CalibrationStatistics) -> [[[Double]]] {
        let c = model.config, d = c.headDim, q = c.queryGroup * d
        return (0..<c.numHiddenLayers).map { l in
            guard l > 0 else { return [] }
            let o = model.weights.layers[l - 1].o.matrix, next = model.weights.layers[l], x = stats[LinearModule(layer: l - 1, kind: .o)]!.input
            return (0..<c.keyValueHeads(layer: l)).map { h in
                // h's rows: its query heads' q rows, its k rows, its v rows.
                let nq = next.q.matrix, nk = next.k.matrix, nv = next.v.matrix
                let queries: [UnsafeMutablePointer<Float>] = (h * q..<(h + 1) * q).map { nq.row($0) }
                let keys: [UnsafeMutablePointer<Float>] = (h * d..<(h + 1) * d).map { nk.row($0) }
                let values: [UnsafeMutablePointer<Float>] = (h * d..<(h + 1) * d).map { nv.row($0) }
                let rows = queries + keys + values
                return (0..<c.keyValueHeads(layer: l - 1)).map { g in
                    var squares = 0.0
                    for row in rows {
                        for ch in g * q..<(g + 1) * q {
                            var s = 0.0
                            for i in 0..<c.hiddenSize { s += Double(row[i]) * Double(next.inputNorm[i]) * Double(o[i, ch]) * x[ch] }
                            squares += s * s
                        }
                    }
                    return squares.squareRoot()
                }
            }
        }
    }

    /// Weighted PageRank by power iteration over every node (block l, group g) at once: each block's
    /// scores are γ·(M · previous block) + (1−γ)·‖x_g‖/Σ‖x‖, normalised to sum 1, block 0's with an even
    /// γ/groups in place of the flow; M = θ·C + (1−θ)·B, C the edges and B their pattern, each column divided by its sum.
    func naivePageRank(_ model: LlamaModel, _ stats: CalibrationStatistics, gamma: Double, theta: Double) -> [[Double]] {
        let c = model.config, q = c.queryGroup * c.headDim, layers = c.numHiddenLayers
        let w = naiveEdges(model, stats)
        let groups = (0..<layers).map { c.keyValueHeads(layer: $0) }
        let first = groups.indices.map { groups.prefix($0).reduce(0, +) }, nodes = groups.reduce(0, +)
        var weightMatrix = [[Double]](repeating: [Double](repeating: 0, count: nodes), count: nodes), pattern = weightMatrix
        for l in 1..<layers {
            for h in 0..<groups[l] {
                for g in 0..<groups[l - 1] where w[l][h][g] != 0 {
                    weightMatrix[first[l] + h][first[l - 1] + g] = w[l][h][g]
                    pattern[first[l] + h][first[l - 1] + g] = 1
                }
            }
        }
        var m = weightMatrix
        for source in 0..<nodes {
            let weights = (0..<nodes).reduce(0.0) { $0 + weightMatrix[$1][source] }, degree = (0..<nodes).reduce(0.0) { $0 + pattern[$1][source] }
            for target in 0..<nodes {
                m[target][source] = (weights > 0 ? theta * weightMatrix[target][source] / weights : 0)
                    + (degree > 0 ? (1 - theta) * pattern[target][source] / degree : 0)
            }
        }
        var teleport = [Double](repeating: 0, count: nodes)
        for l in 0..<layers {
            let x = stats[LinearModule(layer: l, kind: .o)]!.input
            let norms = (0..<groups[l]).map { g in (g * q..<(g + 1) * q).reduce(0.0) { $0 + x[$1] * x[$1] }.squareRoot() }
            for g in 0..<groups[l] { teleport[first[l] + g] = norms[g] / norms.reduce(0, +) }
        }
        var r = [Double](repeating: 1 / Double(nodes), count: nodes)
        for _ in 0..<100 {
            var next = (0..<nodes).map { t in gamma * (0..<nodes).reduce(0.0) { $0 + m[t][$1] * r[$1] } + (1 - gamma) * teleport[t] }
            // Block 0: fed alike by one source.
            for g in 0..<groups[0] { next[g] = gamma / Double(groups[0]) + (1 - gamma) * teleport[g] }
            for l in 0..<layers {
                let total = (0..<groups[l]).reduce(0.0) { $0 + next[first[l] + $1] }
                for g in 0..<groups[l] { next[first[l] + g] /= total }
            }
            let change = zip(next, r).map { abs($0 - $1) }.max()!
            r = next
            if change == 0 { break }
        }
        return (0..<layers).map { l in Array(r[first[l]..<first[l] + groups[l]]) }
    }

    func assertClose(_ a: [[Double]], _ b: [[Double]], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.map(\.count), b.map(\.count), what, file: file, line: line)
        for (x, y) in zip(a.joined(), b.joined()) {
            XCTAssertEqual(x, y, accuracy: 1e-9 * max(abs(y), 1e-300), what, file: file, line: line)
        }
    }

    func testEdgeWeightsAndPageRankMatchANaiveComputation() throws {
        let model = try tinyModel()
        let stats = statistics(model)
        let naive = naiveEdges(model, stats)
        for l in 1..<3 {
            let o = model.weights.layers[l - 1].o.matrix, x = stats[LinearModule(layer: l - 1, kind: .o)]!.input
            let w = try HeadRankScorer.edges(from: o, norms: x, groups: 4, to: model.weights.layers[l], groups: 4, channels: 16, headDim: 8, layer: l)
            assertClose(w, naive[l], "edges into block \(l)")
        }
        for (gamma, theta) in [(0.5, 1.0), (0.85, 0.2), (0.3, 0.5)] {
            let scorer = try (gamma, theta) == (0.5, 1.0) ? make("head_rank") : make("head_rank", ["gamma": .number(gamma), "theta": .number(theta)])
            let scores = try UnitPruning.importances(model: model, statistics: stats, similarity: nil, unit: .head, scorer: scorer)
            assertClose(scores, naivePageRank(model, stats, gamma: gamma, theta: theta), "head_rank(gamma: \(gamma), theta: \(theta))")
        }
        // The graph matters: past block 0 the scores are not head_norm's pulled toward even.
        let rank = try UnitPruning.importances(model: model, statistics: stats, similarity: nil, unit: .head, scorer: make("head_rank"))
        let norm = try UnitPruning.importances(model: model, statistics: stats, similarity: nil, unit: .head, scorer: make("head_norm"))
        assertClose([rank[0]], [norm[0].map { 0.5 / 4 + 0.5 * $0 }], "block 0")
        XCTAssertGreaterThan(zip(rank[2], norm[2]).map { abs($0 - 0.5 / 4 - 0.5 * $1) }.max()!, 1e-4)
    }

    func testABFloat16ModelScoresAsItsFloat32Copy() throws {
        // Every value a bfloat16, so the BF16 file and the Float32 file hold the same model.
        var tiny = TinyLlama(seed: 21) { $0.layers = 3; $0.heads = 8; $0.kvHeads = 4 }
        for (name, t) in tiny.tensors {
            tiny.tensors[name] = (t.rows, t.columns, t.values.map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) })
        }
        let folder = try TestPaths.temporaryFolder(self)
        let wide = folder.appendingPathComponent("f32.gguf").path, narrow = folder.appendingPathComponent("bf16.gguf").path
        try tiny.write(to: wide)
        try tiny.write(to: narrow, storage: .bf16)
        let f32 = try LlamaModel.load(path: wide), bf16 = try LlamaModel.load(path: narrow)
        XCTAssertEqual(bf16.weights.layers[1].o.type, .bf16)
        let stats = statistics(f32)
        for name in ["head_rank", "head_norm"] {
            let expected = try UnitPruning.importances(model: f32, statistics: stats, similarity: nil, unit: .head, scorer: make(name))
            let got = try UnitPruning.importances(model: bf16, statistics: stats, similarity: nil, unit: .head, scorer: make(name))
            XCTAssertEqual(got, expected, name)
        }
    }

    func testBlocksWithDifferentHeadCounts() throws {
        // Groups removed unevenly: 4, 2 and 3 groups in the three blocks.
        let model = ApplyUnits.shrunk(try tinyModel(), removing: [(1, 0), (1, 3), (2, 2)].map { PruningUnit(.head, layer: $0.0, index: $0.1) })
        let stats = statistics(model)
        let scores = try UnitPruning.importances(model: model, statistics: stats, similarity: nil, unit: .head,
                                                 scorer: make("head_rank", ["gamma": .number(0.7)]))
        assertClose(scores, naivePageRank(model, stats, gamma: 0.7, theta: 1), "uneven blocks")
    }

    func testWrongStructureIsRefusedLikeOtherHeadScorers() throws {
        let model = try tinyModel(layers: 2)
        let stats = statistics(model)
        XCTAssertThrowsError(try UnitPruning.importances(model: model, statistics: nil, similarity: nil, unit: .block, scorer: make("head_rank"))) {
            XCTAssertEqual("\($0)", "scorer head_rank does not score blocks; the structure blocks takes: block_influence, angular_distance")
        }
        XCTAssertThrowsError(try UnitPruning.importances(model: model, statistics: nil, similarity: nil, unit: .head, scorer: make("head_rank"))) {
            XCTAssertEqual("\($0)", "scorer head_rank needs the calibration statistics of model.layers.0.self_attn.o_proj's input")
        }
        let up = [[LinearModule(layer: 0, kind: .up)]]
        for name in ["head_rank", "head_norm"] {
            XCTAssertThrowsError(try LLMRank.importances(model: model, statistics: stats, mlps: up, scorer: make(name))) {
                XCTAssertTrue("\($0)".contains("scorer \(name) scores heads, not the rows of model.layers.0.mlp.up_proj; use the structure attention.heads"), "\($0)")
            }
        }
    }
}
