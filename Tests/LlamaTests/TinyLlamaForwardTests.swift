import Foundation
import Llama
import ModelIO
import TestSupport
import XCTest

/// The BLAS forward pass against a naive per-token forward on tiny random models written as GGUF.
final class TinyLlamaForwardTests: XCTestCase {
    func check(_ tiny: TinyLlama, tokens: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = try TestPaths.temporaryFolder(self)
        let path = dir.appendingPathComponent("tiny.gguf").path
        try tiny.write(to: path)
        let model = try LlamaModel.load(path: path)
        var rng = SeededRandom(seed: 7)
        let ids = (0..<tokens).map { _ in Int.random(in: 0..<tiny.vocab, using: &rng) }
        let fast = model.logits(ids.map(Int32.init))
        let slow = NaiveLlama(tiny).logits(ids)
        var worst = 0.0
        for t in 0..<tokens {
            for v in 0..<tiny.vocab { worst = max(worst, abs(Double(fast[t, v]) - slow[t][v])) }
        }
        XCTAssertLessThan(worst, 1e-4, "max |logit difference| \(worst)", file: file, line: line)
        // The logits are not trivially small: the comparison means something.
        XCTAssertGreaterThan(slow.flatMap { $0 }.map(abs).max()!, 0.1, file: file, line: line)
    }

    func testGroupedQueryAttentionUntiedHead() throws {
        // 300 tokens spans three attention blocks of 128, so the block-causal path is covered.
        try check(TinyLlama(seed: 1), tokens: 300)
    }

    func testTiedHeadAndMultiQueryAttention() throws {
        try check(TinyLlama(seed: 2) { $0.tied = true; $0.kvHeads = 1; $0.layers = 3 }, tokens: 40)
    }

    func testLayersOfDifferentFeedForwardWidths() throws {
        try check(TinyLlama(seed: 3) { $0.ffnWidths = [96, 40] }, tokens: 33)
    }

    func testConfigurationReadFromMetadata() throws {
        let dir = try TestPaths.temporaryFolder(self)
        let path = dir.appendingPathComponent("tiny.gguf").path
        try TinyLlama(seed: 4).write(to: path)
        let c = try LlamaModel.load(path: path).config
        XCTAssertEqual(c.hiddenSize, 64)
        XCTAssertEqual(c.numHiddenLayers, 2)
        XCTAssertEqual(c.numAttentionHeads, 4)
        XCTAssertEqual(c.numKeyValueHeads, 2)
        XCTAssertEqual(c.headDim, 16)
        XCTAssertEqual(c.intermediateSizes, [96, 96])
        XCTAssertEqual(c.vocabSize, 100)
        XCTAssertFalse(c.tieWordEmbeddings)
        XCTAssertEqual(c.ropeTheta, 10000)
    }
}
