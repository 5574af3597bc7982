import Foundation
@testable import Llama
import Tensor
import TestSupport
import XCTest

/// The Float32 forward with weights packed into oneDNN's blocked layout, against the naive forward: a
/// head of two packs (more rows than one vocabulary tile), weights packed only from their third product
/// on, and a pruned model made after the dense one has packed its weights, which must compute with its
/// own zeroed rows, not the dense packs (every pass checked, before and after its new gate is packed).
final class PackedWeightsForwardTests: XCTestCase {
    func worst(_ fast: Matrix, _ slow: [[Double]]) -> Double {
        var worst = 0.0
        for t in slow.indices { for v in slow[t].indices { worst = max(worst, abs(Double(fast[t, v]) - slow[t][v])) } }
        return worst
    }

    func testPackedForwardAndAPrunedModelMadeAfterIt() throws {
        let tiny = TinyLlama(seed: 5) { $0.hidden = 128; $0.ffn = 320; $0.heads = 4; $0.kvHeads = 2; $0.vocab = 5000 }
        XCTAssertGreaterThan(tiny.vocab, Float32Packs.chunkRows)
        let path = try TestPaths.temporaryFolder(self).appendingPathComponent("tiny.gguf").path
        try tiny.write(to: path)
        let model = try LlamaModel.load(path: path).computing(.f32, backend: .oneDNN)
        var rng = SeededRandom(seed: 2)
        let tokens = (0..<200).map { _ in Int.random(in: 0..<tiny.vocab, using: &rng) }
        let ids = tokens.map(Int32.init)

        let dense = NaiveLlama(tiny).logits(tokens)
        let packs = try XCTUnwrap(model.packs)
        for pass in 1...Float32Packs.packAfterUses {
            XCTAssertEqual(packs.packedBytes, 0, "packed before its \(Float32Packs.packAfterUses)th use")
            XCTAssertLessThan(worst(model.logits(ids), dense), 1e-4, "pass \(pass)")
        }
        // Every linear weight and both head chunks (if oneDNN packs them, as it does on this machine).
        XCTAssertGreaterThan(packs.packedBytes, 0, "nothing was packed: the test checks the plain path only")
        XCTAssertLessThan(worst(model.logits(ids), dense), 1e-4, "packed")

        // Zero gate rows of block 1 in both the model and the naive weights.
        let removed = [0, 3, 100, 319]
        var pruned = tiny
        var gate = pruned.tensors["blk.1.ffn_gate.weight"]!
        for r in removed { for c in 0..<gate.columns { gate.values[r * gate.columns + c] = 0 } }
        pruned.tensors["blk.1.ffn_gate.weight"] = gate
        var layers = model.weights.layers
        layers[1].set(.gate, layers[1].weight(.gate).zeroingRows(removed))
        let prunedModel = model.replacingLayers(layers)
        // The untouched weights' packs carry over; the new gate is packed when first used.
        XCTAssertGreaterThan(try XCTUnwrap(prunedModel.packs).packedBytes, 0)
        let expected = NaiveLlama(pruned).logits(tokens)
        XCTAssertGreaterThan(worst(model.logits(ids), expected), 1e-3, "the pruning must change the logits for this test to mean anything")
        for pass in 1...Float32Packs.packAfterUses + 1 {
            XCTAssertLessThan(worst(prunedModel.logits(ids), expected), 1e-4, "pruned model, pass \(pass)")
        }
    }

    /// A weight with no columns (an empty reduction) is never packed, however often it is used: the
    /// plain product zeroes its output.
    func testEmptyWeightsAreNotPacked() {
        let packs = Float32Packs()
        let empty = Weight(Matrix(rows: 3, columns: 0))
        for _ in 0...Float32Packs.packAfterUses { XCTAssertNil(packs.pack(empty, rows: 0..<3)) }
        XCTAssertNil(packs.pack(Weight(Matrix(rows: 3, columns: 4)), rows: 2..<2))
        XCTAssertEqual(packs.packedBytes, 0)
    }
}
