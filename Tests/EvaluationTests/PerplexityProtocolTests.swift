import Evaluation
import Foundation
import Llama
import TestSupport
import XCTest

final class PerplexityProtocolTests: XCTestCase {
    func testWindowsDropTheTailAndRespectTheCap() throws {
        let ids = (0..<1030).map(Int32.init)
        let all = try PerplexityProtocol(seqlen: 512).windows(of: ids)
        XCTAssertEqual(all.count, 2)
        XCTAssertEqual(all[1].first, 512)
        XCTAssertEqual(all[1].last, 1023)
        XCTAssertEqual(try PerplexityProtocol(seqlen: 100, maxWindows: 3).windows(of: ids).count, 3)
        XCTAssertEqual(try PerplexityProtocol(seqlen: 100, maxWindows: 50).windows(of: ids).count, 10)
    }

    func testBadProtocolsAreRefusedWithTheirValues() {
        XCTAssertThrowsError(try PerplexityProtocol(seqlen: 1).windows(of: [1, 2, 3])) {
            XCTAssertEqual("\($0)", "seqlen must be at least 2 (got 1)")
        }
        XCTAssertThrowsError(try PerplexityProtocol(seqlen: 8).windows(of: [1, 2, 3])) {
            XCTAssertEqual("\($0)", "the text has 3 tokens, fewer than one window of 8")
        }
        XCTAssertThrowsError(try PerplexityProtocol(seqlen: 2, maxWindows: 0).windows(of: [1, 2, 3])) {
            XCTAssertEqual("\($0)", "max windows must be at least 1 (got 0)")
        }
    }

    /// Σ NLL from the library against log-softmax of the naive forward's logits, in Float64.
    func testNegativeLogLikelihoodMatchesNaiveLogSoftmax() throws {
        let tiny = TinyLlama(seed: 11)
        let dir = try TestPaths.temporaryFolder(self)
        let path = dir.appendingPathComponent("tiny.gguf").path
        try tiny.write(to: path)
        let model = try LlamaModel.load(path: path)
        var rng = SeededRandom(seed: 12)
        let windows = (0..<3).map { _ in (0..<40).map { _ in Int.random(in: 0..<tiny.vocab, using: &rng) } }
        var expected = 0.0
        for w in windows {
            let logits = NaiveLlama(tiny).logits(w)
            for t in 0..<(w.count - 1) {
                let row = logits[t], top = row.max()!
                let lse = top + log(row.reduce(0) { $0 + exp($1 - top) })
                expected += lse - row[w[t + 1]]
            }
        }
        let (nll, count) = Perplexity.negativeLogLikelihood(model, windows: windows.map { $0.map(Int32.init) })
        XCTAssertEqual(count, 3 * 39)
        XCTAssertEqual(nll, expected, accuracy: 1e-4 * Double(count))
    }
}
