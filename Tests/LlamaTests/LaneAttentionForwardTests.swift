import Foundation
@testable import Llama
import Tensor
import TestSupport
import XCTest

/// Attention through the lane kernel and the block softmax, against the naive forward: grouped queries
/// (four heads per key/value head) and no grouping (which the lane kernel also sends through the group
/// path), windows whose key counts are whole 16-lane vectors and ones whose last block is not (that
/// block's scores take the library GEMM), down to a single token.
final class LaneAttentionForwardTests: XCTestCase {
    func testLaneAttentionMatchesTheNaiveForward() throws {
        for (heads, kvHeads, hidden) in [(4, 1, 128), (2, 2, 128)] {
            let tiny = TinyLlama(seed: 11) { $0.hidden = hidden; $0.ffn = 96; $0.heads = heads; $0.kvHeads = kvHeads; $0.vocab = 300 }
            let path = try TestPaths.temporaryFolder(self).appendingPathComponent("tiny-\(heads)-\(kvHeads).gguf").path
            try tiny.write(to: path)
            let model = try LlamaModel.load(path: path)
            XCTAssertEqual(CausalAttention.usesLanes(model.config), LaneGemm.available, "head dimension \(tiny.headDim) is whole vectors")
            var rng = SeededRandom(seed: 3)
            for t in [1, 17, 64, 100, 160] {
                let tokens = (0..<t).map { _ in Int.random(in: 0..<tiny.vocab, using: &rng) }
                let expected = NaiveLlama(tiny).logits(tokens)
                let got = model.logits(tokens.map(Int32.init))
                var worst = 0.0
                for i in 0..<t { for v in 0..<tiny.vocab { worst = max(worst, abs(Double(got[i, v]) - expected[i][v])) } }
                XCTAssertLessThan(worst, 1e-4, "\(heads) heads over \(kvHeads), \(t) tokens")
            }
        }
    }
}
