import Evaluation
import Foundation
import Llama
import Pruning
@testable import Script
import TestSupport
import XCTest

/// Neurons, head groups, blocks and a mix of all three in one sweep at one parameter budget, from a
/// script: each scorer meets only its structure, every pruned model loses at least the budget, saves and
/// reloads, and a stored pruning is rebuilt from its record alone.
final class StructureSweepTests: XCTestCase {
    let script = """
    model     "tiny.gguf"
    calibrate "calib.txt" samples 3 seqlen 16
    structure model.layers: [mlp.neurons, attention.heads, blocks, mlp.neurons + attention.heads + blocks]
    scorer    [neuron_output, head_output, block_influence, angular_distance, contribution]
    pruner    budget
    amount    10%
    evaluate  perplexity "eval.txt" seqlen 32 windows 4
    save      "pruned/{structure}-{scorer}.gguf"
    """

    func testEveryStructureAtOneBudget() throws {
        let folder = try ScriptFolder(self)
        let source = try folder.write("structures.prune", script)
        let experiment = try Checker.check(source).0
        let cells = Planner.cells(experiment)
        // Each scorer with its own structure only (no amount 0, so no dense cell).
        XCTAssertEqual(cells.count, 5, cells.map(\.label).joined(separator: "\n"))
        XCTAssertEqual(Set(cells.compactMap { c in c.scorer.map { "\($0.name) \(c.structure!.chain[0])" } }),
                       ["neuron_output mlp.neurons", "head_output attention.heads", "block_influence blocks", "angular_distance blocks",
                        "contribution mlp.neurons + attention.heads + blocks"])
        var options = Interpreter.Options()
        options.cache = StatisticsCache(folder: folder.url.appendingPathComponent("cache"))
        XCTAssertEqual(try Interpreter(experiment: experiment, source: source, options: options).run(), 5)
        let store = try ResultsStore(folder: folder.url.appendingPathComponent("out/structures"))
        // TinyLlama: 2 blocks of q, o 64×64, k, v 32×64, gate, up 96×64, down 64×96 and two norms.
        let blockParameters = 2 * (2 * 64 * 64 + 2 * 32 * 64 + 3 * 96 * 64 + 2 * 64)
        for record in store.records.values where !record.cell.isDense {
            let removed = record.metrics.paramsTotal - record.metrics.paramsStored
            XCTAssertGreaterThanOrEqual(Double(removed), 0.1 * Double(blockParameters), record.cell.label)
            let ppl = try XCTUnwrap(record.metrics.ppl)
            // The saved model reloads to the perplexity the record holds.
            let saved = folder.url.appendingPathComponent(try XCTUnwrap(record.metrics.saved)).path
            let bundle = try ModelBundle.load(path: saved), model = bundle.model
            XCTAssertEqual(ParameterCount.stored(model), record.metrics.paramsStored, record.cell.label)
            let text = try String(contentsOf: folder.url.appendingPathComponent("eval.txt"), encoding: .utf8)
            let ids = bundle.tokenizer.encode(text)
            let reloaded = try Perplexity.evaluate(model, ids: ids, protocol: PerplexityProtocol(seqlen: 32, maxWindows: 4)).ppl
            XCTAssertEqual(reloaded, ppl, accuracy: 1e-6 * ppl, record.cell.label)
        }
        // Blocks: one of the two went (a block is half of them); its record names the kept one.
        let blocks = try XCTUnwrap(store.records.values.first { $0.cell.scorer?.name == "block_influence" })
        XCTAssertEqual(blocks.metrics.keptRows["model.layers"], 1)
        XCTAssertEqual(blocks.metrics.ffnWidths.count, 1)
        let heads = try XCTUnwrap(store.records.values.first { $0.cell.scorer?.name == "head_output" })
        XCTAssertEqual(heads.metrics.keptRows.keys.sorted(), ["model.layers.0.self_attn.heads", "model.layers.1.self_attn.heads"])
        // The mix records every list it chose from, and its kept masks alone rebuild the same model.
        let mix = try XCTUnwrap(store.records.values.first { $0.cell.scorer?.name == "contribution" })
        XCTAssertEqual(mix.metrics.keptRows.keys.sorted(), ["model.layers", "model.layers.0.mlp.neurons", "model.layers.0.self_attn.heads",
                                                          "model.layers.1.mlp.neurons", "model.layers.1.self_attn.heads"])
        let session = PruningSession(bundle: try ModelBundle.load(path: folder.url.appendingPathComponent("tiny.gguf").path), cache: nil)
        let rebuilt = try session.prune(keeping: try XCTUnwrap(mix.metrics.keptRowMasks), structure: try XCTUnwrap(mix.cell.structure))
        XCTAssertEqual(ParameterCount.stored(rebuilt.model), mix.metrics.paramsStored)
        XCTAssertThrowsError(try session.prune(keeping: [:], structure: try XCTUnwrap(mix.cell.structure))) {
            XCTAssertTrue("\($0)".contains("missing"), "\($0)")
        }
        // A rerun computes nothing: stored head and block prunings prove their keys.
        XCTAssertEqual(try Interpreter(experiment: experiment, source: source, options: options).run(), 0)
    }
}
