import Evaluation
import Foundation
import Llama
import ModelIO
@testable import Pruning
import Tensor
import TestSupport
import Tokenizers
import XCTest

/// Head groups and blocks as coupled units: shrinking gives what masking their slices gives, removed
/// blocks let the residual stream through, and models with per-layer head counts save and reload.
final class CoupledGroupTests: XCTestCase {
    // 4 query heads over 2 key/value heads (2 per group), head size 16, hidden 64, 3 blocks.
    func tiny() -> TinyLlama { TinyLlama(seed: 33) { $0.layers = 3 } }

    func load(_ t: TinyLlama) throws -> (LlamaModel, GGUFFile) {
        let path = try TestPaths.temporaryFolder(self).appendingPathComponent("tiny.gguf").path
        try t.write(to: path)
        let file = try GGUFFile(path: path)
        return (try LlamaModel.load(gguf: file), file)
    }

    let ids: [Int32] = (0..<40).map { Int32(($0 * 29) % 100) }

    func maxDifference(_ a: Matrix, _ b: Matrix) -> Float {
        precondition(a.count == b.count)
        return (0..<a.count).map { abs(a.pointer[$0] - b.pointer[$0]) }.max() ?? 0
    }

    /// Zeroes key/value group g of block l in the GGUF tensors, written out here rather than taken from
    /// the library: q rows of its query heads g·2, g·2+1, its k and v rows, and the o columns of those heads
    /// (whole heads, so llama.cpp's row order within a head does not matter).
    func maskingGroup(_ t: inout TinyLlama, layer l: Int, group g: Int) {
        let hd = t.headDim, perGroup = t.heads / t.kvHeads
        func zeroRows(_ name: String, _ rows: Range<Int>) {
            var m = t.tensors[name]!
            for r in rows { for c in 0..<m.columns { m.values[r * m.columns + c] = 0 } }
            t.tensors[name] = m
        }
        zeroRows("blk.\(l).attn_q.weight", g * perGroup * hd..<(g + 1) * perGroup * hd)
        zeroRows("blk.\(l).attn_k.weight", g * hd..<(g + 1) * hd)
        zeroRows("blk.\(l).attn_v.weight", g * hd..<(g + 1) * hd)
        var o = t.tensors["blk.\(l).attn_output.weight"]!
        for r in 0..<o.rows { for c in g * perGroup * hd..<(g + 1) * perGroup * hd { o.values[r * o.columns + c] = 0 } }
        t.tensors["blk.\(l).attn_output.weight"] = o
    }

    let heads = [PruningUnit(.head, layer: 0, index: 1), PruningUnit(.head, layer: 2, index: 0)]

    func testShrinkingHeadGroupsGivesTheMaskedLogits() throws {
        let (model, _) = try load(tiny())
        var masked = tiny()
        maskingGroup(&masked, layer: 0, group: 1)
        maskingGroup(&masked, layer: 2, group: 0)
        let (maskedModel, _) = try load(masked)
        let shrunk = ApplyUnits.shrunk(model, removing: heads)
        XCTAssertEqual((0..<3).map { shrunk.config.keyValueHeads(layer: $0) }, [1, 2, 1])
        XCTAssertEqual((0..<3).map { shrunk.config.attentionHeads(layer: $0) }, [2, 4, 2])
        XCTAssertEqual(shrunk.weights.layers[0].q.rows, 32)
        XCTAssertEqual(shrunk.weights.layers[0].o.columns, 32)
        XCTAssertLessThan(maxDifference(maskedModel.logits(ids), shrunk.logits(ids)), 1e-5)
        XCTAssertLessThan(maxDifference(ApplyUnits.masked(model, removing: heads).logits(ids), shrunk.logits(ids)), 1e-5)
        // The groups mattered: the comparison is not between two copies of the dense model.
        XCTAssertGreaterThan(maxDifference(model.logits(ids), shrunk.logits(ids)), 1e-3)
        // And the plain Float64 forward pass of the masked weights agrees.
        let naive = NaiveLlama(masked).logits(ids.map(Int.init)), got = shrunk.logits(ids)
        for p in ids.indices { for v in 0..<100 { XCTAssertEqual(Double(got[p, v]), naive[p][v], accuracy: 1e-4) } }
    }

    func testAGroupCostsItsSlices() throws {
        let (model, _) = try load(tiny())
        // q: 2 heads × 16 rows × 64, k and v: 16 rows × 64 each, o: 64 rows × 32 columns.
        let perGroup = 32 * 64 + 2 * 16 * 64 + 64 * 32
        XCTAssertEqual(PruningUnit(.head, layer: 0, index: 1).parameters(model.config), perGroup)
        let shrunk = ApplyUnits.shrunk(model, removing: heads)
        XCTAssertEqual(ParameterCount.stored(shrunk), ParameterCount.stored(model) - 2 * perGroup)
        // A block: q, o 64×64; k, v 32×64; gate, up 96×64, down 64×96; two norms.
        let block = 2 * 64 * 64 + 2 * 32 * 64 + 3 * 96 * 64 + 2 * 64
        XCTAssertEqual(PruningUnit(.block, layer: 1).parameters(model.config), block)
        XCTAssertEqual(ParameterCount.stored(ApplyUnits.shrunk(model, removing: [PruningUnit(.block, layer: 1)])),
                       ParameterCount.stored(model) - block)
        // A neuron: a gate row, an up row, a down column.
        XCTAssertEqual(PruningUnit(.neuron, layer: 0, index: 5).parameters(model.config), 3 * 64)
    }

    func testEveryGroupOfABlockLeavesOneZeroGroup() throws {
        let (model, _) = try load(tiny())
        let all = [PruningUnit(.head, layer: 1, index: 0), PruningUnit(.head, layer: 1, index: 1)]
        let shrunk = ApplyUnits.shrunk(model, removing: all)
        XCTAssertEqual(shrunk.config.keyValueHeads(layer: 1), 1)
        var masked = tiny()
        maskingGroup(&masked, layer: 1, group: 0)
        maskingGroup(&masked, layer: 1, group: 1)
        XCTAssertLessThan(maxDifference(try load(masked).0.logits(ids), shrunk.logits(ids)), 1e-5)
    }

    func testPerLayerHeadCountsSaveAndReload() throws {
        let (model, file) = try load(tiny())
        let shrunk = ApplyUnits.shrunk(model, removing: heads)
        let dir = try TestPaths.temporaryFolder(self)
        let path = dir.appendingPathComponent("heads.gguf").path
        try ModelExport.write(shrunk, tokenizer: loadTokenizer(from: file), source: .gguf(file), to: path)
        let saved = try GGUFFile(path: path)
        XCTAssertEqual(saved.metadata["llama.attention.head_count"]?.ints, [2, 4, 2])
        XCTAssertEqual(saved.metadata["llama.attention.head_count_kv"]?.ints, [1, 2, 1])
        let reloaded = try LlamaModel.load(path: path)
        XCTAssertEqual(reloaded.config.keyValueHeadCounts, [1, 2, 1])
        XCTAssertLessThan(maxDifference(shrunk.logits(ids), reloaded.logits(ids)), 1e-5)
        // A Hugging Face folder pads the pruned layers with zero heads (transformers has one head count).
        let folder = dir.appendingPathComponent("heads-hf").path
        try ModelExport.write(shrunk, tokenizer: loadTokenizer(from: file), source: .gguf(file), to: folder)
        let fromFolder = try LlamaModel.load(path: folder)
        XCTAssertNil(fromFolder.config.keyValueHeadCounts)
        XCTAssertEqual(fromFolder.weights.layers[0].q.rows, 64)
        XCTAssertLessThan(maxDifference(shrunk.logits(ids), fromFolder.logits(ids)), 1e-5)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent("config.json"))) as! [String: Any]
        XCTAssertEqual(config["prune_num_key_value_heads"] as? [Int], [1, 2, 1])
        XCTAssertEqual(config["num_key_value_heads"] as? Int, 2)
    }

    func testARemovedBlockPassesTheResidualThrough() throws {
        let (model, file) = try load(tiny())
        let shrunk = ApplyUnits.shrunk(model, removing: [PruningUnit(.block, layer: 1)])
        XCTAssertEqual(shrunk.config.numHiddenLayers, 2)
        // The model without block 1, built here from the tensors, renumbered.
        var two = tiny()
        two.layers = 2
        for name in two.tensors.keys where name.hasPrefix("blk.") { two.tensors[name] = nil }
        for (name, t) in tiny().tensors where name.hasPrefix("blk.") {
            let parts = name.split(separator: ".", maxSplits: 2)
            let l = Int(parts[1])!
            if l == 0 { two.tensors[name] = t } else if l == 2 { two.tensors["blk.1.\(parts[2])"] = t }
        }
        let naive = NaiveLlama(two).logits(ids.map(Int.init)), got = shrunk.logits(ids)
        for p in ids.indices { for v in 0..<100 { XCTAssertEqual(Double(got[p, v]), naive[p][v], accuracy: 1e-4) } }
        XCTAssertLessThan(maxDifference(ApplyUnits.masked(model, removing: [PruningUnit(.block, layer: 1)]).logits(ids), got), 1e-5)
        // It saves, and reloads to the same perplexity.
        let path = try TestPaths.temporaryFolder(self).appendingPathComponent("blocks.gguf").path
        try ModelExport.write(shrunk, tokenizer: loadTokenizer(from: file), source: .gguf(file), to: path)
        let reloaded = try LlamaModel.load(path: path)
        XCTAssertEqual(reloaded.config.numHiddenLayers, 2)
        let text: [Int32] = (0..<200).map { Int32(($0 * 53 + 7) % 100) }
        let p = PerplexityProtocol(seqlen: 50)
        let a = try Perplexity.evaluate(shrunk, ids: text, protocol: p).ppl, b = try Perplexity.evaluate(reloaded, ids: text, protocol: p).ppl
        XCTAssertEqual(a, b, accuracy: 1e-9 * a)
    }
}
