@testable import Evaluation
import Foundation
import Llama
import TestSupport
import XCTest

/// The tasks against lm-evaluation-harness 0.4.13 itself, on the committed fixtures (task files written
/// for this project, and what lm-eval built and computed on them with SmolLM2 loaded by transformers
/// from the same GGUF; `Fixtures/lm_eval/make_fixtures.py` made them): the same token ids for every
/// request, every log-likelihood within 1e-3, the same greedy flags, predictions and metrics.
final class LMEvalParityTests: XCTestCase {
    nonisolated(unsafe) static var bundle: ModelBundle?

    func model() throws -> ModelBundle {
        if let b = Self.bundle { return b }
        let b = try ModelBundle.load(path: try TestPaths.requireModel())
        Self.bundle = b
        return b
    }

    static let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("lm_eval")

    func expected(_ task: String) throws -> [String: Any] {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("expected/\(task).json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func evaluator(_ task: String, maxLength: Int = 0) throws -> (any Evaluator, EvaluationSetting) {
        let file = Self.folder.appendingPathComponent("tasks/\(task).jsonl")
        let setting = EvaluationSetting(task: task, text: file.path, seqlen: maxLength)
        return (try EvaluatorRegistry.make(setting, data: try Data(contentsOf: file), tokenizer: try model().tokenizer), setting)
    }

    func ids(_ any: Any?) -> [Int32] { (any as? [Any] ?? []).map { Int32(($0 as! NSNumber).intValue) } }

    func checkMetrics(_ got: [String: Double], _ want: [String: Any], _ task: String, tolerance: [String: Double] = [:]) {
        for (name, value) in want {
            guard let v = value as? Double else { XCTAssertNil(got[name], "\(task): \(name) is N/A in lm-eval"); continue }
            let tol = tolerance[name] ?? 1e-12
            XCTAssertEqual(got[name] ?? .nan, v, accuracy: tol * max(1, abs(v)), "\(task): \(name)")
        }
    }

    func testMultipleChoiceTasks() throws {
        for task in ["hellaswag", "piqa", "winogrande", "arc_easy", "arc_challenge", "openbookqa"] {
            let want = try expected(task)
            let (e, _) = try evaluator(task)
            let mc = try XCTUnwrap(e as? any MultipleChoiceProbe, task)
            let items = try XCTUnwrap(want["items"] as? [[String: Any]])
            XCTAssertEqual(items.count, mc.itemCount, task)
            // The requests' token ids, then every log-likelihood and greedy flag.
            let wanted = items.flatMap { $0["requests"] as! [[String: Any]] }
            XCTAssertEqual(wanted.count, mc.requestList.count, task)
            for (i, (w, r)) in zip(wanted, mc.requestList).enumerated() {
                XCTAssertEqual(r.context, ids(w["context_tokens"]), "\(task) request \(i) context")
                XCTAssertEqual(r.continuation, ids(w["continuation_tokens"]), "\(task) request \(i) continuation")
            }
            let scores = try Loglikelihood.score(try model().model, mc.requestList, maxLength: 8192)
            for (i, (w, s)) in zip(wanted, scores).enumerated() {
                XCTAssertEqual(s.logLikelihood, w["loglikelihood"] as! Double, accuracy: 1e-3, "\(task) request \(i)")
                XCTAssertEqual(s.greedy, w["is_greedy"] as! Bool, "\(task) request \(i) greedy")
            }
            // Per-item scores and the metrics with their standard errors.
            let result = try e.evaluate(try model().model, progress: nil)
            XCTAssertEqual(result.items["acc"], items.map { $0["acc"] as! Double }, task)
            if want["metrics"].flatMap({ ($0 as? [String: Any])?["acc_norm"] }) != nil {
                XCTAssertEqual(result.items["acc_norm"], items.map { $0["acc_norm"] as! Double }, task)
            }
            checkMetrics(result.metrics, want["metrics"] as! [String: Any], task)
        }
    }

    /// acc_norm divides by code points: the items where bytes or grapheme clusters would choose otherwise.
    func testNormalisationCountsCodePoints() throws {
        for task in ["hellaswag", "arc_easy"] {
            let items = try XCTUnwrap(try expected(task)["items"] as? [[String: Any]])
            let (e, _) = try evaluator(task)
            let result = try e.evaluate(try model().model, progress: nil)
            var telling = 0
            for (i, item) in items.enumerated() {
                guard let check = item["script_check"] as? [String: Any], let chars = check["pred_norm_by_chars"] as? Int,
                      let bytes = check["pred_norm_by_bytes"] as? Int else { continue }
                let gold = item["gold"] as! Int
                if chars != bytes && (chars == gold) != (bytes == gold) { telling += 1 }
                XCTAssertEqual(result.items["acc_norm"]![i], chars == gold ? 1 : 0, "\(task) item \(i)")
            }
            XCTAssertGreaterThan(telling, 0, "\(task): no item tells characters from bytes")
        }
    }

    func testLambada() throws {
        let want = try expected("lambada_openai")
        let items = try XCTUnwrap(want["items"] as? [[String: Any]])
        let (e, _) = try evaluator("lambada_openai")
        let lambada = try XCTUnwrap(e as? Lambada)
        for (i, (w, r)) in zip(items, lambada.requests).enumerated() {
            XCTAssertEqual(r.context, ids(w["context_tokens"]), "item \(i) context")
            XCTAssertEqual(r.continuation, ids(w["continuation_tokens"]), "item \(i) continuation")
        }
        let result = try e.evaluate(try model().model, progress: nil)
        for (i, w) in items.enumerated() {
            XCTAssertEqual(result.items["loglikelihood"]![i], w["loglikelihood"] as! Double, accuracy: 1e-3, "item \(i)")
            XCTAssertEqual(result.items["acc"]![i], w["acc"] as! Double, "item \(i)")
        }
        checkMetrics(result.metrics, want["metrics"] as! [String: Any], "lambada",
                     tolerance: ["perplexity": 1e-4, "perplexity_stderr": 1e-3])
        // The bootstrap itself, on lm-eval's own log-likelihoods, gives lm-eval's number exactly.
        let theirs = items.map { $0["loglikelihood"] as! Double }
        let stderr = LMEvalStatistics.bootstrapStandardError(theirs) { exp(-LMEvalStatistics.mean($0)) }
        XCTAssertEqual(stderr, (want["metrics"] as! [String: Any])["perplexity_stderr"] as! Double, accuracy: 1e-9)
    }

    func testWikitextRollingWindows() throws {
        let want = try expected("wikitext")
        let docs = try XCTUnwrap(want["items"] as? [[String: Any]])
        let (e, _) = try evaluator("wikitext", maxLength: 128)
        let wiki = try XCTUnwrap(e as? Wikitext)
        XCTAssertEqual(wiki.prefixToken, 1)
        for (d, (w, doc)) in zip(docs, wiki.documents).enumerated() {
            XCTAssertEqual(Wikitext.detokenize(w["page"] as! String), w["detokenized"] as! String, "document \(d)")
            XCTAssertEqual(doc.tokens, ids(w["tokens"]), "document \(d) tokens")
            XCTAssertEqual(doc.words, w["words"] as! Int, "document \(d) words")
            XCTAssertEqual(doc.bytes, w["bytes"] as! Int, "document \(d) bytes")
            let windows = Wikitext.windows(doc.tokens, maxLength: 128, prefix: 1)
            let wanted = w["windows"] as! [[String: Any]]
            XCTAssertEqual(windows.count, wanted.count, "document \(d) windows")
            for (k, (a, b)) in zip(windows, wanted).enumerated() {
                XCTAssertEqual(a.context, ids(b["context_tokens"]), "document \(d) window \(k) context")
                XCTAssertEqual(a.continuation, ids(b["continuation_tokens"]), "document \(d) window \(k) continuation")
            }
        }
        let result = try e.evaluate(try model().model, progress: nil)
        for (d, w) in docs.enumerated() {
            XCTAssertEqual(result.items["loglikelihood"]![d], w["loglikelihood"] as! Double, accuracy: 1e-3 * max(1, abs(w["loglikelihood"] as! Double) / 100), "document \(d)")
        }
        checkMetrics(result.metrics, want["metrics"] as! [String: Any], "wikitext",
                     tolerance: ["word_perplexity": 1e-4, "byte_perplexity": 1e-4, "bits_per_byte": 1e-4])
        XCTAssertEqual(result.metrics["max_length"], 128)
    }
}

/// What the tests read of a multiple-choice evaluator, whatever its task.
protocol MultipleChoiceProbe {
    var itemCount: Int { get }
    var requestList: [LoglikelihoodRequest] { get }
}

extension MultipleChoiceEvaluator: MultipleChoiceProbe {
    var itemCount: Int { items.count }
    var requestList: [LoglikelihoodRequest] { requests }
}
