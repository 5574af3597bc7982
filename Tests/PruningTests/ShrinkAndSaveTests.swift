import Foundation
import Llama
import ModelIO
@testable import Pruning
import Tensor
import TestSupport
import Tokenizers
import XCTest

/// Shrinking must give the masked model's outputs exactly (up to float rounding), and a saved model
/// must reload to the same outputs.
final class ShrinkAndSaveTests: XCTestCase {
    func tinyModel() throws -> (LlamaModel, GGUFFile) {
        let dir = try TestPaths.temporaryFolder(self)
        let path = dir.appendingPathComponent("tiny.gguf").path
        try TinyLlama(seed: 21) { $0.layers = 3 }.write(to: path)
        let file = try GGUFFile(path: path)
        return (try LlamaModel.load(gguf: file), file)
    }

    func maxDifference(_ a: Matrix, _ b: Matrix) -> Float {
        (0..<a.count).map { abs(a.pointer[$0] - b.pointer[$0]) }.max() ?? 0
    }

    /// Rows to remove: some up/gate neurons, some down output channels, and a q row (masked only).
    var removal: [LinearModule: [Int]] {
        [
            LinearModule(layer: 0, kind: .up): [0, 5, 17, 40, 95],
            LinearModule(layer: 1, kind: .gate): [3, 4],
            LinearModule(layer: 1, kind: .up): [4, 60],
            LinearModule(layer: 1, kind: .down): [1, 2, 63],
            LinearModule(layer: 2, kind: .down): [10],
            LinearModule(layer: 2, kind: .q): [7],
        ]
    }

    let ids: [Int32] = (0..<50).map { Int32(($0 * 37) % 100) }

    func testShrunkEqualsMasked() throws {
        let (model, _) = try tinyModel()
        let masked = ApplyPruning.masked(model, removing: removal)
        let shrunk = ApplyPruning.shrunk(model, removing: removal)
        XCTAssertEqual(shrunk.config.intermediateSizes, [91, 93, 96])
        XCTAssertEqual(shrunk.weights.layers[1].down.rows, 61)
        XCTAssertEqual(shrunk.weights.layers[1].downOutputs?.count, 61)
        XCTAssertLessThan(maxDifference(masked.logits(ids), shrunk.logits(ids)), 1e-5)
        // Pruning changed the model: the comparison is not between two copies of the dense one.
        XCTAssertGreaterThan(maxDifference(model.logits(ids), masked.logits(ids)), 1e-3)
        // Masking shares what it does not touch.
        XCTAssertEqual(masked.weights.layers[0].gate.matrix.pointer, model.weights.layers[0].gate.matrix.pointer)
        XCTAssertNotEqual(masked.weights.layers[0].up.matrix.pointer, model.weights.layers[0].up.matrix.pointer)
    }

    func testParameterCounts() throws {
        let (model, _) = try tinyModel()
        let shrunk = ApplyPruning.shrunk(model, removing: removal)
        let dense = ParameterCount.stored(model)
        // Embedding and head 100×64 each, final norm 64; per layer q and o 64×64, k and v 32×64,
        // gate, up 96×64 and down 64×96, two norms of 64.
        XCTAssertEqual(dense, 2 * 100 * 64 + 64 + 3 * (64 * 64 * 2 + 32 * 64 * 2 + 96 * 64 * 3 + 2 * 64))
        // 8 neurons go (5 in layer 0; gate {3, 4} ∪ up {4, 60} in layer 1), each a gate row, an up row and
        // a down column of 64. Down rows removed (3 in layer 1, 93 wide by then, and 1 in layer 2, 96
        // wide) are stored as zeros, since down_proj keeps its shape in every file format.
        XCTAssertEqual(ParameterCount.stored(shrunk), dense - 8 * 3 * 64)
        // Non-zero: the masked q row and the removed down rows are stored but zero.
        XCTAssertEqual(ParameterCount.nonzero(shrunk), ParameterCount.stored(shrunk) - 64 - 3 * 93 - 1 * 96)
    }

    func testSavedModelReloadsToTheSameLogits() throws {
        let (model, file) = try tinyModel()
        let shrunk = ApplyPruning.shrunk(model, removing: removal)
        let dir = try TestPaths.temporaryFolder(self)
        let path = dir.appendingPathComponent("pruned.gguf").path
        try ModelExport.write(shrunk, tokenizer: loadTokenizer(from: file), source: .gguf(file), to: path)
        let reloaded = try LlamaModel.load(path: path)
        XCTAssertEqual(reloaded.config.intermediateSizes, [91, 93, 96])
        XCTAssertLessThan(maxDifference(shrunk.logits(ids), reloaded.logits(ids)), 1e-5)
        let saved = try GGUFFile(path: path)
        XCTAssertEqual(saved.metadata["llama.feed_forward_length"]?.ints, [91, 93, 96])
        XCTAssertEqual(saved.metadata["tokenizer.ggml.tokens"], file.metadata["tokenizer.ggml.tokens"])
        // down_proj is stored with every hidden row (the removed ones as zeros), as llama.cpp expects.
        XCTAssertEqual(saved[tensor: "blk.1.ffn_down.weight"]?.rows, 64)

        // As a Hugging Face folder: one width (the widest) for transformers, zero neurons as padding.
        let folder = dir.appendingPathComponent("pruned-hf").path
        let summary = try ModelExport.write(shrunk, tokenizer: loadTokenizer(from: file), source: .gguf(file), to: folder)
        XCTAssertEqual(summary.paddedTo, 96)
        let fromFolder = try LlamaModel.load(path: folder)
        XCTAssertEqual(fromFolder.config.intermediateSizes, [96, 96, 96])
        XCTAssertLessThan(maxDifference(shrunk.logits(ids), fromFolder.logits(ids)), 1e-5)
    }

    /// Saves `model` as a .gguf file and as a Hugging Face folder and reloads both; each must give the
    /// same logits.
    func assertSavesAndReloads(_ model: LlamaModel, file: GGUFFile, widths: [Int], line: UInt = #line) throws -> GGUFFile {
        let dir = try TestPaths.temporaryFolder(self)
        let path = dir.appendingPathComponent("pruned.gguf").path
        try ModelExport.write(model, tokenizer: loadTokenizer(from: file), source: .gguf(file), to: path)
        let reloaded = try LlamaModel.load(path: path)
        XCTAssertEqual(reloaded.config.intermediateSizes, widths, line: line)
        XCTAssertLessThan(maxDifference(model.logits(ids), reloaded.logits(ids)), 1e-5, line: line)
        let folder = dir.appendingPathComponent("pruned-hf").path
        try ModelExport.write(model, tokenizer: loadTokenizer(from: file), source: .gguf(file), to: folder)
        let fromFolder = try LlamaModel.load(path: folder)
        XCTAssertEqual(fromFolder.config.intermediateSizes, [Int](repeating: widths.max()!, count: widths.count), line: line)
        XCTAssertLessThan(maxDifference(model.logits(ids), fromFolder.logits(ids)), 1e-5, line: line)
        return try GGUFFile(path: path)
    }

    /// Modules pruned down to one row are still matrices in both formats: [1, 64] up_proj, not [64].
    func testOneRowModulesSaveAsMatricesAndReload() throws {
        let (model, file) = try tinyModel()
        var removal: [LinearModule: [Int]] = [:]
        for l in 0..<3 { removal[LinearModule(layer: l, kind: .up)] = (0..<96).filter { $0 != 7 * l + 3 } }
        removal[LinearModule(layer: 1, kind: .down)] = (0..<64).filter { $0 != 40 }
        let shrunk = ApplyPruning.shrunk(model, removing: removal)
        XCTAssertEqual(shrunk.config.intermediateSizes, [1, 1, 1])
        XCTAssertEqual(shrunk.weights.layers[1].down.rows, 1)
        let saved = try assertSavesAndReloads(shrunk, file: file, widths: [1, 1, 1])
        XCTAssertEqual(saved[tensor: "blk.0.ffn_up.weight"]?.shape, [64, 1], "ggml order: [in, out]")
        XCTAssertEqual(saved[tensor: "blk.0.ffn_down.weight"]?.shape, [1, 64])
        XCTAssertEqual(saved[tensor: "blk.0.ffn_norm.weight"]?.shape, [64], "norms stay vectors")
        let st = try SafetensorsFile(path: URL(fileURLWithPath: saved.path).deletingLastPathComponent()
            .appendingPathComponent("pruned-hf/model.safetensors").path)
        XCTAssertEqual(st[tensor: "model.layers.0.mlp.up_proj.weight"]?.shape, [1, 64])
        XCTAssertEqual(st[tensor: "model.layers.0.post_attention_layernorm.weight"]?.shape, [64])
    }

    /// Rows chosen so that a layer loses every FFN neuron (gate and up together cover them all) or
    /// every down_proj row: the shrunk model keeps one zero neuron / one zero row there, which computes
    /// exactly what the masked model does, so it is written and read back like any other.
    func testEmptiedModulesKeepOneZeroRowAndReload() throws {
        let (model, file) = try tinyModel()
        let removal: [LinearModule: [Int]] = [
            LinearModule(layer: 0, kind: .up): Array(0..<96),
            LinearModule(layer: 1, kind: .gate): Array(0..<50),
            LinearModule(layer: 1, kind: .up): Array(50..<96),
            LinearModule(layer: 2, kind: .down): Array(0..<64),
        ]
        let masked = ApplyPruning.masked(model, removing: removal)
        let shrunk = ApplyPruning.shrunk(model, removing: removal)
        XCTAssertEqual(shrunk.config.intermediateSizes, [1, 1, 96])
        XCTAssertEqual(shrunk.weights.layers[2].down.rows, 1)
        for l in 0..<2 {
            let layer = shrunk.weights.layers[l]
            XCTAssertTrue((layer.gate.matrix.values + layer.up.matrix.values + layer.down.matrix.values).allSatisfy { $0 == 0 }, "layer \(l)'s kept neuron is zero")
        }
        XCTAssertTrue(shrunk.weights.layers[2].down.matrix.values.allSatisfy { $0 == 0 })
        XCTAssertLessThan(maxDifference(masked.logits(ids), shrunk.logits(ids)), 1e-5)
        _ = try assertSavesAndReloads(shrunk, file: file, widths: [1, 1, 96])
    }
}
