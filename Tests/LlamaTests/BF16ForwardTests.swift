import Foundation
import Llama
import Tensor
import TestSupport
import XCTest

/// `precision bf16` and the oneDNN Float32 backend against the naive per-token forward: bfloat16 runs
/// against the naive forward whose products round weights and inputs to bfloat16 (sums in Float64).
final class BF16ForwardTests: XCTestCase {
    func load(_ tiny: TinyLlama) throws -> LlamaModel {
        let dir = try TestPaths.temporaryFolder(self)
        let path = dir.appendingPathComponent("tiny.gguf").path
        try tiny.write(to: path)
        return try LlamaModel.load(path: path)
    }

    func ids(_ tiny: TinyLlama, _ count: Int) -> [Int] {
        var rng = SeededRandom(seed: 11)
        return (0..<count).map { _ in Int.random(in: 0..<tiny.vocab, using: &rng) }
    }

    func worst(_ fast: Matrix, _ slow: [[Double]]) -> Double {
        var worst = 0.0
        for t in slow.indices { for v in slow[t].indices { worst = max(worst, abs(Double(fast[t, v]) - slow[t][v])) } }
        return worst
    }

    func mean(_ fast: Matrix, _ slow: [[Double]]) -> Double {
        var sum = 0.0
        for t in slow.indices { for v in slow[t].indices { sum += abs(Double(fast[t, v]) - slow[t][v]) } }
        return sum / Double(slow.count * slow[0].count)
    }

    /// Rounding inputs to bfloat16 is discontinuous: where the Float64 reference and the Float32 forward
    /// land on two sides of a rounding boundary, the inputs differ by one bfloat16 step, and attention and
    /// the residual stream carry that to later tokens and blocks, where more inputs flip. So the tight
    /// check is on short windows (few roundings, few flips); on longer ones the forward must be much
    /// closer on average to the bfloat16 reference than to the Float32 one.
    func testBFloat16ForwardMatchesNaiveForwardOnRoundedWeightsAndInputs() throws {
        let models = [TinyLlama(seed: 1), TinyLlama(seed: 2) { $0.tied = true; $0.kvHeads = 1; $0.ffnWidths = [96, 40] },
                      TinyLlama(seed: 3) { $0.tied = true }, TinyLlama(seed: 5)]
        var toRounded = 0.0, toExact = 0.0
        for (i, tiny) in models.enumerated() {
            let model = try load(tiny).computing(.bf16)
            XCTAssertEqual(model.precision, .bf16)
            for count in [12, 150] {
                let tokens = ids(tiny, count)
                let fast = model.logits(tokens.map(Int32.init))
                let rounded = NaiveLlama(tiny, bf16: true).logits(tokens)
                let exact = NaiveLlama(tiny).logits(tokens)
                let scale = rounded.flatMap { $0 }.map(abs).max()!
                XCTAssertGreaterThan(scale, 0.1)
                print("bf16 forward, model \(i), \(count) tokens: max |Δlogit| \(worst(fast, rounded)) to the bf16 reference, "
                      + "\(worst(fast, exact)) to the f32 one; mean \(mean(fast, rounded)) and \(mean(fast, exact)); scale \(scale)")
                if count == 12 {
                    // No flips: what is left is Float32 against Float64 arithmetic.
                    XCTAssertLessThan(worst(fast, rounded), 1e-5 * scale, "model \(i), \(count) tokens")
                } else {
                    XCTAssertLessThan(worst(fast, rounded), 0.01 * scale, "model \(i), \(count) tokens")
                    toRounded += mean(fast, rounded)
                    toExact += mean(fast, exact)
                }
            }
        }
        // The products really are bfloat16: the Float32 reference is much further away.
        XCTAssertLessThan(toRounded * 2, toExact, "mean |Δlogit| to the bf16 reference \(toRounded), to the f32 one \(toExact)")
    }

    func testOneDNNFloat32ForwardMatchesNaiveForward() throws {
        let tiny = TinyLlama(seed: 3)
        let model = try load(tiny).computing(.f32, backend: .oneDNN)
        let tokens = ids(tiny, 300)
        let d = worst(model.logits(tokens.map(Int32.init)), NaiveLlama(tiny).logits(tokens))
        XCTAssertLessThan(d, 1e-4)
    }

    /// Pruned (shrunk) models keep their precision and compute with bfloat16 copies of the new weights.
    func testReplacingLayersKeepsThePrecision() throws {
        let tiny = TinyLlama(seed: 4)
        let model = try load(tiny).computing(.bf16)
        let same = model.replacingLayers(model.weights.layers)
        XCTAssertEqual(same.precision, .bf16)
        let tokens = ids(tiny, 20).map(Int32.init)
        XCTAssertEqual(same.logits(tokens).values, model.logits(tokens).values)
    }
}
