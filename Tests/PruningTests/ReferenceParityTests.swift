import Evaluation
import Foundation
import Llama
@testable import Pruning
import TestSupport
import XCTest

/// The pruning semantics against what LLM-Rank's PyTorch code produced on SmolLM2 and the King James
/// Bible (../shared/reference): calibration statistics to rtol 1e-3, importances to rtol 1e-3, masks
/// identical except exact ties, 12-window perplexities to 0.5 %.
final class ReferenceParityTests: XCTestCase {
    /// Model, windows and statistics computed once for the whole class (calibration is the slow part).
    struct Shared {
        let bundle: ModelBundle
        let windows: [[Int32]]
        let statistics: CalibrationStatistics
        let evalIDs: [Int32]
    }

    nonisolated(unsafe) static var shared: Shared?
    static let lock = NSLock()

    func shared() throws -> Shared {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        if let s = Self.shared { return s }
        let bundle = try ModelBundle.load(path: TestPaths.requireModel())
        let windowsURL = try TestPaths.requireReference("calib_windows.json")
        let windows = try CalibrationData.windows(CalibrationSpec(path: windowsURL.path), tokenizer: bundle.tokenizer)
        let structure = try PruningStructure().resolve(bundle.model.config)
        let start = Date()
        let statistics = CalibrationRun.statistics(bundle.model, windows: windows, modules: Set(structure.joined()))
        print("calibration of \(windows.count) × \(windows[0].count) tokens: \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        let text = try String(contentsOfFile: TestPaths.requireData("eval.txt"), encoding: .utf8)
        let s = Shared(bundle: bundle, windows: windows, statistics: statistics, evalIDs: bundle.tokenizer.encode(text))
        Self.shared = s
        return s
    }

    func json(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.requireReference(name))) as! [String: Any]
    }

    /// Largest |a − b| / |b| over the entries, with entries below 1e-6 of the vector's maximum compared
    /// against that floor instead (a relative error of a near-zero is noise).
    func worstRelativeError(_ a: [Double], _ b: [Double]) -> Double {
        let floor = (b.map(abs).max() ?? 0) * 1e-6
        return zip(a, b).map { abs($0 - $1) / max(abs($1), floor) }.max() ?? 0
    }

    func testTextCalibrationYieldsTheReferenceWindows() throws {
        let s = try shared()
        let fromText = try CalibrationData.windows(CalibrationSpec(path: TestPaths.requireData("calib.txt")), tokenizer: s.bundle.tokenizer)
        XCTAssertEqual(fromText.count, 64)
        XCTAssertEqual(fromText, s.windows)
    }

    func testStatisticsMatchTheReference() throws {
        let s = try shared()
        let reference = try json("calib_stats.json")
        XCTAssertEqual(reference.count, 60)
        var worst = 0.0
        for (name, value) in reference {
            let entry = value as! [String: [Double]]
            let ours = try XCTUnwrap(s.statistics.modules[name], name)
            worst = max(worst, worstRelativeError(ours.input, entry["in_l2"]!), worstRelativeError(ours.output, entry["out_l2"]!))
        }
        XCTAssertLessThan(worst, 1e-3)
        print("calibration statistics: worst relative error \(worst)")
    }

    func checkConfiguration(_ file: String, scorer: String, pipeline: Pipeline) throws {
        let s = try shared()
        let reference = try json(file)
        let layers = reference["layers"] as! [String: [String: [Double]]]
        let amount = reference["amount"] as! Double
        let blocks = try PruningStructure().resolve(s.bundle.model.config)
        let mlps = pipeline.mlps(blocks)
        let importances = try LLMRank.importances(model: s.bundle.model, statistics: s.statistics, mlps: mlps,
                                                  scorer: ScorerRegistry.make(ComponentSpec.parse(scorer)))
        let removed = try LLMRank.rowsToPrune(importances: importances, mlps: mlps, pruner: PrunerRegistry.make(ComponentSpec(name: "local")), amount: amount)
        var worst = 0.0, mismatches = 0, unexplained = 0
        for module in blocks.joined() {
            let ref = try XCTUnwrap(layers[module.name], module.name)
            let ours = importances[module]!
            worst = max(worst, worstRelativeError(ours, ref["importance"]!))
            let gone = Set(removed[module]!)
            // The largest importance removed is the threshold; a differing row must sit at it (a tie).
            let threshold = gone.map { ours[$0] }.max() ?? 0
            for (row, kept) in ref["kept"]!.enumerated() where (kept == 1) == gone.contains(row) {
                mismatches += 1
                if abs(ours[row] - threshold) > 1e-6 * threshold { unexplained += 1 }
            }
        }
        XCTAssertLessThan(worst, 1e-3, "importances of \(file)")
        XCTAssertEqual(unexplained, 0, "\(mismatches) mask differences, \(unexplained) not at a tie")
        let pruned = ApplyPruning.shrunk(s.bundle.model, removing: removed)
        let r = try Perplexity.evaluate(pruned, ids: s.evalIDs, protocol: PerplexityProtocol(seqlen: 512, maxWindows: reference["eval_windows"] as? Int ?? 12))
        let want = reference["ppl"] as! Double
        XCTAssertEqual(r.ppl, want, accuracy: want * 5e-3, "perplexity of \(file)")
        print("\(file): importances worst rel. error \(worst), \(mismatches) mask differences (ties), ppl \(r.ppl) vs \(want)")
    }

    func testWeightedPageRankLocalChained() throws {
        try checkConfiguration("pruned_wpr-local-chained-0.3.json", scorer: "wpr(gamma: 0, theta: 0.5)", pipeline: .chained)
    }

    func testWandaLocalIsolated() throws {
        try checkConfiguration("pruned_wanda-local-isolated-0.3.json", scorer: "wanda", pipeline: .isolated)
    }

    func testMaskedAndShrunkAgree() throws {
        let s = try shared()
        let blocks = try PruningStructure().resolve(s.bundle.model.config)
        let mlps = Pipeline.chained.mlps(blocks)
        let importances = try LLMRank.importances(model: s.bundle.model, statistics: s.statistics, mlps: mlps, scorer: ScorerRegistry.make(ComponentSpec(name: "wanda")))
        for amount in [0.3, 0.5] {
            let removed = try LLMRank.rowsToPrune(importances: importances, mlps: mlps, pruner: PrunerRegistry.make(ComponentSpec(name: "local")), amount: amount)
            let proto = PerplexityProtocol(seqlen: 512, maxWindows: 2)
            let masked = try Perplexity.evaluate(ApplyPruning.masked(s.bundle.model, removing: removed), ids: s.evalIDs, protocol: proto)
            let shrunk = try Perplexity.evaluate(ApplyPruning.shrunk(s.bundle.model, removing: removed), ids: s.evalIDs, protocol: proto)
            XCTAssertEqual(shrunk.ppl, masked.ppl, accuracy: masked.ppl * 1e-4, "amount \(amount)")
        }
    }
}
