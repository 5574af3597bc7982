import Evaluation
import Foundation
import Llama
import TestSupport
import XCTest

/// Dense perplexity of SmolLM2 on the New Testament against the PyTorch reference
/// (../shared/reference/dense_ppl.json), to 0.1 %.
final class DensePerplexityTests: XCTestCase {
    /// The reference entry (`whole_eval_text` or `first_12_windows`): perplexity and predicted positions.
    func expected(_ key: String) throws -> (ppl: Double, windows: Int, predicted: Int) {
        let url = try TestPaths.requireReference("dense_ppl.json")
        let all = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let entry = try XCTUnwrap(all[key] as? [String: Any], "dense_ppl.json has no \(key)")
        return (entry["ppl"] as! Double, entry["n_windows"] as! Int, entry["n_predicted"] as! Int)
    }

    func evaluate(maxWindows: Int?) throws -> PerplexityResult {
        let bundle = try ModelBundle.load(path: TestPaths.requireModel())
        let text = try String(contentsOfFile: TestPaths.requireData("eval.txt"), encoding: .utf8)
        let ids = bundle.tokenizer.encode(text)
        XCTAssertEqual(ids.count, 231_884)
        return try Perplexity.evaluate(bundle.model, ids: ids, protocol: PerplexityProtocol(seqlen: 512, maxWindows: maxWindows))
    }

    func testFirstTwelveWindows() throws {
        let want = try expected("first_12_windows")
        let r = try evaluate(maxWindows: 12)
        XCTAssertEqual(r.windows, want.windows)
        XCTAssertEqual(r.predictedTokens, want.predicted)
        XCTAssertEqual(r.ppl, want.ppl, accuracy: want.ppl * 1e-3)
        print("dense ppl, 12 windows: \(r.ppl) (reference \(want.ppl)), \(Int(r.tokensPerSecond)) tokens/s")
    }

    func testWholeText() throws {
        let want = try expected("whole_eval_text")
        let r = try evaluate(maxWindows: nil)
        XCTAssertEqual(r.windows, want.windows)
        XCTAssertEqual(r.predictedTokens, want.predicted)
        XCTAssertEqual(r.ppl, want.ppl, accuracy: want.ppl * 1e-3)
        print("dense ppl, whole eval.txt: \(r.ppl) (reference \(want.ppl)), \(r.seconds) s")
    }
}
