import Foundation
import Llama
import Tensor
import TestSupport
import XCTest

/// The NLL and the target log-probabilities form logits a tile of the vocabulary at a time and fold the
/// tiles' log-sum-exps and maxima; against whole rows of logits summed in Float64, on a vocabulary of
/// three tiles (the last one partial). Later tiles are summed in one pass below the row's maximum so far
/// unless their own maximum lies far above it: a head whose second tile's logits jump by hundreds takes
/// the two-pass path there, and must agree too.
final class VocabularyTileTests: XCTestCase {
    func logSumExp(_ x: [Double]) -> Double {
        let m = x.max()!
        return m + Foundation.log(x.reduce(0) { $0 + Foundation.exp($1 - m) })
    }

    func checkNLL(_ model: LlamaModel, _ ids: [Int32], line: UInt = #line) -> Matrix {
        let logits = model.logits(ids)
        var expected = 0.0
        for r in 0..<(ids.count - 1) {
            let row = (0..<model.config.vocabSize).map { Double(logits.row(r)[$0]) }
            expected += logSumExp(row) - row[Int(ids[r + 1])]
        }
        let (nll, count) = model.windowNLL(ids, state: model.makeState(tokens: ids.count))
        XCTAssertEqual(count, ids.count - 1, line: line)
        XCTAssertEqual(nll, expected, accuracy: 1e-5 * abs(expected), line: line)
        return logits
    }

    func testATileFarAboveTheEarlierOnesFallsBackToTwoPasses() throws {
        let path = try TestPaths.temporaryFolder(self).appendingPathComponent("jump.gguf").path
        var tiny = TinyLlama(seed: 9) { $0.vocab = 9000 }
        var head = tiny.tensors["output.weight"]!
        XCTAssertEqual(head.rows, 9000)
        // The second tile's logits 300 times larger: their maxima lie hundreds above the first tile's.
        for r in RunState.vocabularyTile..<(2 * RunState.vocabularyTile) {
            for j in 0..<head.columns { head.values[r * head.columns + j] *= 300 }
        }
        tiny.tensors["output.weight"] = head
        try tiny.write(to: path)
        let model = try LlamaModel.load(path: path)
        var rng = SeededRandom(seed: 4)
        let ids = (0..<24).map { _ in Int32(rng.next() % 9000) }
        let logits = checkNLL(model, ids)
        let tile = RunState.vocabularyTile
        let jumps = (0..<(ids.count - 1)).filter { r in
            let first = (0..<tile).map { logits.row(r)[$0] }.max()!, second = (tile..<2 * tile).map { logits.row(r)[$0] }.max()!
            return Double(second - first) > 64
        }
        XCTAssertGreaterThan(jumps.count, ids.count / 2, "the second tile's maxima jump past the one-pass reach")
    }

    func testTiledNLLAndTargetsMatchWholeRows() throws {
        XCTAssertGreaterThan(9000, 2 * RunState.vocabularyTile)
        let path = try TestPaths.temporaryFolder(self).appendingPathComponent("tiny.gguf").path
        try TinyLlama(seed: 8) { $0.vocab = 9000 }.write(to: path)
        let model = try LlamaModel.load(path: path)
        var rng = SeededRandom(seed: 3)
        let ids = (0..<40).map { _ in Int32(rng.next() % 9000) }
        let logits = checkNLL(model, ids)
        func row(_ r: Int) -> [Double] { (0..<9000).map { Double(logits.row(r)[$0]) } }

        var layout = PackedLayout()
        layout.append(length: ids.count, position: 0)
        // Per row: its argmax (wherever it falls) and tokens in the first, second and last tile.
        var targets: [(row: Int, token: Int32)] = []
        for r in [0, 7, 21, 39] {
            let values = row(r)
            targets.append((r, Int32(values.indices.max { values[$0] < values[$1] }!)))
            for token in [5, 4100, 8999] { targets.append((r, Int32(token))) }
        }
        let got = model.targetLogProbabilities(ids, layout: layout, targets: targets, state: model.makeState(tokens: ids.count))
        for (t, target) in targets.enumerated() {
            let values = row(target.row)
            let best = values.indices.max { values[$0] < values[$1] }!
            XCTAssertEqual(got[t].logProbability, values[Int(target.token)] - logSumExp(values), accuracy: 1e-5, "target \(t)")
            XCTAssertEqual(got[t].greedy, Int(target.token) == best, "target \(t)")
        }
        XCTAssertTrue(Set(targets.map { Int($0.token) / RunState.vocabularyTile }).count >= 3, "targets span the tiles")
    }
}
