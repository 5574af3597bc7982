import Foundation
import Llama
@testable import Pruning
import Tensor
import TestSupport
import XCTest

/// Pruning a model read in place from a BF16 file: the shrunk model keeps 16-bit storage (owned copies of
/// the kept rows and columns), and computes what the naive forward does on the same model with those
/// neurons taken out by hand.
final class SixteenBitShrinkTests: XCTestCase {
    func testShrinkingABFloat16ModelKeepsItsStorageAndOutputs() throws {
        var tiny = TinyLlama(seed: 31) { $0.layers = 2 }
        // Every value a bfloat16 (round half to even on the dropped 16 bits), so the file holds it exactly.
        for (name, t) in tiny.tensors {
            tiny.tensors[name] = (t.rows, t.columns, t.values.map { v in
                let b = v.bitPattern, lower = b & 0xFFFF, upper = b >> 16
                return Float(bitPattern: (lower > 0x8000 || (lower == 0x8000 && upper & 1 == 1) ? upper + 1 : upper) << 16)
            })
        }
        let path = try TestPaths.temporaryFolder(self).appendingPathComponent("tiny-bf16.gguf").path
        try tiny.write(to: path, storage: .bf16)
        let model = try LlamaModel.load(path: path)
        let removed = [0: [1, 5, 17, 40, 95], 1: [0, 2, 3]]
        var rows: [LinearModule: [Int]] = [:]
        for (l, neurons) in removed { rows[LinearModule(layer: l, kind: .up)] = neurons }
        let shrunk = ApplyPruning.shrunk(model, removing: rows)

        // The hand-pruned reference: gate and up rows, down columns of the removed neurons deleted.
        var pruned = tiny
        for (l, neurons) in removed {
            let gone = Set(neurons)
            for name in ["ffn_gate", "ffn_up"] {
                let t = tiny.tensors["blk.\(l).\(name).weight"]!
                let keep = (0..<t.rows).filter { !gone.contains($0) }
                pruned.tensors["blk.\(l).\(name).weight"] = (keep.count, t.columns, keep.flatMap { Array(t.values[$0 * t.columns..<($0 + 1) * t.columns]) })
            }
            let d = tiny.tensors["blk.\(l).ffn_down.weight"]!
            let keep = (0..<d.columns).filter { !gone.contains($0) }
            pruned.tensors["blk.\(l).ffn_down.weight"] = (d.rows, keep.count, (0..<d.rows).flatMap { r in keep.map { d.values[r * d.columns + $0] } })
        }
        for (l, layer) in shrunk.weights.layers.enumerated() {
            XCTAssertEqual(layer.ffnWidth, tiny.ffn - removed[l]!.count)
            for kind in [LinearKind.gate, .up, .down] {
                XCTAssertEqual(layer.weight(kind).type, .bf16, "block \(l) \(kind.rawValue)")
                XCTAssertEqual(layer.weight(kind).half?.isMapped, false, "block \(l) \(kind.rawValue): a copy")
            }
            XCTAssertEqual(layer.o.half?.isMapped, true, "untouched weights stay in the map")
        }
        let tokens = (0..<30).map { ($0 * 11) % tiny.vocab }
        let reference = NaiveLlama(pruned).logits(tokens), fast = shrunk.logits(tokens.map(Int32.init))
        var worst = 0.0
        for t in reference.indices { for v in reference[t].indices { worst = max(worst, abs(Double(fast[t, v]) - reference[t][v])) } }
        XCTAssertLessThan(worst, 1e-4)
        // The source model still computes as before, its released pages read again from the file.
        let again = NaiveLlama(tiny).logits(tokens), dense = model.logits(tokens.map(Int32.init))
        var denseWorst = 0.0
        for t in again.indices { for v in again[t].indices { denseWorst = max(denseWorst, abs(Double(dense[t, v]) - again[t][v])) } }
        XCTAssertLessThan(denseWorst, 1e-4)
    }
}
