import XCTest
import Foundation
@testable import Llama
import Evaluation
import ModelIO
import Tensor

final class ScratchPPL: XCTestCase {
    func testPPL12() throws {
        let t0 = Date()
        let model = try LlamaModel.load(path: "/work/main/models/SmolLM2-135M-Instruct.Q4_1.gguf")
        print("load", Date().timeIntervalSince(t0))
        let ids = try JSONDecoder().decode([Int32].self, from: Data(contentsOf: URL(fileURLWithPath: "/tmp/eval12.json")))
        let r = try Perplexity.evaluate(model, ids: ids, protocol: .init(seqlen: 512, maxWindows: 12))
        print("PPL", r.ppl, r.seconds, r.tokensPerSecond)
    }
}
