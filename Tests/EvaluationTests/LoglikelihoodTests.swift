import Evaluation
import Foundation
import Llama
import TestSupport
import XCTest

/// Packed scoring (shared contexts, several trees per window, positions restarting in each tree) against
/// the naive Float64 forward run on each request alone.
final class LoglikelihoodTests: XCTestCase {
    /// A tiny random model, loaded by the library and by the naive reference.
    func models(seed: UInt64) throws -> (TinyLlama, LlamaModel, NaiveLlama) {
        let tiny = TinyLlama(seed: seed)
        let path = try TestPaths.temporaryFolder(self).appendingPathComponent("tiny.gguf").path
        try tiny.write(to: path)
        return (tiny, try LlamaModel.load(path: path), NaiveLlama(tiny))
    }

    func testPackedRequestsMatchEachRequestScoredAlone() throws {
        let (tiny, model, naive) = try models(seed: 21)
        var rng = SeededRandom(seed: 22)
        func tokens(_ n: Int) -> [Int32] { (0..<n).map { _ in Int32(Int.random(in: 0..<tiny.vocab, using: &rng)) } }
        // Four questions with 2-4 choices each sharing their context, one request alone, one with a
        // one-token context and a one-token continuation.
        var requests: [LoglikelihoodRequest] = []
        for (contextLength, choices) in [(17, 4), (9, 2), (30, 3), (5, 4)] {
            let context = tokens(contextLength)
            for _ in 0..<choices { requests.append(LoglikelihoodRequest(context: context, continuation: tokens(Int.random(in: 1...7, using: &rng)))) }
        }
        requests.append(LoglikelihoodRequest(context: tokens(12), continuation: tokens(6)))
        requests.append(LoglikelihoodRequest(context: tokens(1), continuation: tokens(1)))
        // Windows of 40 rows force several windows, and some trees to share one.
        let packed = try Loglikelihood.score(model, requests, maxLength: 64, window: 40)
        for (i, r) in requests.enumerated() {
            let input = (r.context + r.continuation).dropLast().map(Int.init)
            let logits = naive.logits(Array(input))
            var expected = 0.0, greedy = true
            for (k, token) in r.continuation.enumerated() {
                let row = logits[r.context.count - 1 + k]
                let top = row.max()!
                let lse = top + log(row.reduce(0) { $0 + exp($1 - top) })
                expected += row[Int(token)] - lse
                greedy = greedy && row.firstIndex(of: top)! == Int(token)
            }
            XCTAssertEqual(packed[i].logLikelihood, expected, accuracy: 1e-4 * max(1, abs(expected)), "request \(i)")
            XCTAssertEqual(packed[i].greedy, greedy, "request \(i)")
        }
        // A context longer than maxLength is cut from the left, as lm-eval cuts it.
        let long = LoglikelihoodRequest(context: tokens(50), continuation: tokens(4))
        let cut = try Loglikelihood.score(model, [long], maxLength: 20)[0]
        let fed = Array((long.context + long.continuation).dropLast().suffix(20)).map(Int.init)
        let logits = naive.logits(fed)
        var expected = 0.0
        for (k, token) in long.continuation.enumerated() {
            let row = logits[fed.count - long.continuation.count + k]
            let top = row.max()!
            expected += row[Int(token)] - (top + log(row.reduce(0) { $0 + exp($1 - top) }))
        }
        XCTAssertEqual(cut.logLikelihood, expected, accuracy: 1e-4 * abs(expected))
    }

    /// A greedy continuation is recognised: the model's own argmax tokens, appended one by one.
    func testTheModelsOwnArgmaxIsGreedy() throws {
        let (tiny, model, naive) = try models(seed: 23)
        var ids = [3, 14, 15, 92, 65]
        for _ in 0..<3 {
            let row = naive.logits(ids).last!
            ids.append(row.firstIndex(of: row.max()!)!)
        }
        let r = LoglikelihoodRequest(context: ids[0..<5].map(Int32.init), continuation: ids[5...].map(Int32.init))
        XCTAssertTrue(try Loglikelihood.score(model, [r], maxLength: 64)[0].greedy)
        var other = r
        other.continuation[1] = (other.continuation[1] + 1) % Int32(tiny.vocab)
        XCTAssertFalse(try Loglikelihood.score(model, [other], maxLength: 64)[0].greedy)
    }
}
