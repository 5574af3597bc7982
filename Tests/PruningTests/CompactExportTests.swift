import Foundation
import Llama
import ModelIO
@testable import Pruning
import Tensor
import TestSupport
import Tokenizers
import XCTest

/// Saves in every storage type: which matrices fall back to F16, which tensors stay F32, that the
/// parameter counts agree with what the files hold, and that gguf-py reads the files.
final class CompactExportTests: XCTestCase {
    /// A 3-layer tiny model (hidden 64, FFN 96) shrunk to FFN widths 91, 93, 96 with down_proj rows
    /// removed in layers 1 and 2: ffn_down's rows are 91 and 93 values long in two layers (not whole
    /// blocks of 32), 96 in the third.
    func shrunkModel() throws -> (LlamaModel, GGUFFile, URL) {
        let dir = try TestPaths.temporaryFolder(self)
        let path = dir.appendingPathComponent("tiny.gguf").path
        try TinyLlama(seed: 21) { $0.layers = 3 }.write(to: path)
        let file = try GGUFFile(path: path)
        let removal: [LinearModule: [Int]] = [
            LinearModule(layer: 0, kind: .up): [0, 5, 17, 40, 95],
            LinearModule(layer: 1, kind: .gate): [3, 4],
            LinearModule(layer: 1, kind: .up): [4, 60],
            LinearModule(layer: 1, kind: .down): [1, 2, 63],
            LinearModule(layer: 2, kind: .down): [10],
        ]
        let shrunk = ApplyPruning.shrunk(try LlamaModel.load(gguf: file), removing: removal)
        XCTAssertEqual(shrunk.config.intermediateSizes, [91, 93, 96])
        return (shrunk, file, dir)
    }

    func save(_ model: LlamaModel, _ file: GGUFFile, to path: String, _ dtype: ModelExport.DType) throws -> ModelExport.Summary {
        try ModelExport.write(model, tokenizer: loadTokenizer(from: file), source: .gguf(file), to: path, dtype: dtype)
    }

    /// params_stored is what a file holds: removed down_proj rows are stored as zeros (GGUF and
    /// safetensors alike keep down_proj hidden × width), so they are counted; a Hugging Face folder's
    /// padding neurons come on top and are counted by the save's summary.
    func testParameterCountsAgreeWithTheFiles() throws {
        let (model, file, dir) = try shrunkModel()
        let stored = ParameterCount.stored(model)
        for dtype in ModelExport.DType.all {
            let path = dir.appendingPathComponent("m-\(dtype.name).gguf").path
            let summary = try save(model, file, to: path, dtype)
            let inFile = try GGUFFile(path: path).tensors.reduce(0) { $0 + $1.elementCount }
            XCTAssertEqual(inFile, stored, dtype.name)
            XCTAssertEqual(summary.storedParameters, stored, dtype.name)
            // Removed down rows are the zero rows; no other stored value of this model is zero.
            let zeros = try GGUFFile(path: path).tensors.filter { $0.name.hasSuffix("ffn_down.weight") }.reduce(0) { n, t in
                try n + GGUFFile(path: path).floats(t).filter { $0 == 0 }.count
            }
            if dtype == .f32 { XCTAssertEqual(stored - zeros, ParameterCount.nonzero(model)) }
        }
        let folder = dir.appendingPathComponent("hf").path
        let summary = try save(model, file, to: folder, .f32)
        let st = try SafetensorsFile(path: folder + "/model.safetensors")
        let inFolder = st.tensors.reduce(0) { $0 + $1.elementCount }
        // Layers 0 and 1 are padded to 96 neurons: 5 + 3 padding neurons, each a gate row, an up row and a down column.
        XCTAssertEqual(inFolder, stored + (5 + 3) * 3 * 64)
        XCTAssertEqual(summary.storedParameters, inFolder)
    }

    /// In q8_0 every matrix whose rows are whole blocks of 32 is Q8_0 (the embedding and the head
    /// included); under q4_0 and q4_1 the untied output head is Q8_0, as llama-quantize keeps it above 4
    /// bits; ffn_down of the 91- and 93-wide layers falls back to F16; 1-D tensors (norms) stay F32.
    /// The reloaded model computes close to the f32 save.
    func testBlockTypesFallBackToF16ForRaggedRows() throws {
        let (model, file, dir) = try shrunkModel()
        let ids: [Int32] = (0..<40).map { Int32(($0 * 37) % 100) }
        let exact = model.logits(ids)
        // Largest logit error as a fraction of the largest logit. Random uniform weights are the worst case
        // for 16 levels per block, so q4's bound is loose here; CompactSaveTests bounds perplexity on SmolLM2.
        for (dtype, tolerance) in [(ModelExport.DType.q8_0, Float(0.05)), (.q4_0, 0.6), (.q4_1, 0.6), (.f16, 0.002), (.bf16, 0.02)] {
            let path = dir.appendingPathComponent("m-\(dtype.name).gguf").path
            let summary = try save(model, file, to: path, dtype)
            let saved = try GGUFFile(path: path)
            XCTAssertEqual(saved.metadata["general.file_type"], .uint32(dtype.fileType))
            let fourBit = dtype == .q4_0 || dtype == .q4_1
            for t in saved.tensors {
                let want: GGMLType = t.shape.count == 1 ? .f32
                    : (t.name == "blk.0.ffn_down.weight" || t.name == "blk.1.ffn_down.weight") && dtype.isBlockQuantized ? .f16
                    : t.name == "output.weight" && fourBit ? .q8_0 : dtype.type
                XCTAssertEqual(t.type, want, "\(dtype.name): \(t.name)")
            }
            XCTAssertEqual(summary.head?.name, fourBit ? "output.weight" : nil)
            XCTAssertEqual(summary.fallbacks.map(\.name), dtype.isBlockQuantized ? ["blk.0.ffn_down.weight", "blk.1.ffn_down.weight"] : [])
            if dtype.isBlockQuantized {
                XCTAssertEqual(summary.fallbackNote, "2 matrices (ffn_down.weight: rows of 91, 93) stored as f16: rows not a multiple of "
                               + "\(dtype.name)'s block of 32 values, as llama.cpp falls back")
            }
            let reloaded = try LlamaModel.load(path: path)
            XCTAssertEqual(reloaded.config.intermediateSizes, [91, 93, 96])
            let logits = reloaded.logits(ids)
            var worst: Float = 0, scale: Float = 0
            for i in 0..<exact.count {
                worst = max(worst, abs(exact.pointer[i] - logits.pointer[i]))
                scale = max(scale, abs(exact.pointer[i]))
            }
            XCTAssertLessThan(worst, tolerance * scale, "\(dtype.name): logits off by \(worst) (largest \(scale))")
            XCTAssertGreaterThan(worst, 0, "\(dtype.name) is lossy; identical logits mean it was not applied")
        }
    }

    /// A Hugging Face folder holds float formats only: a block type is refused before anything is written.
    func testHuggingFaceFolderRefusesBlockTypes() throws {
        let (model, file, dir) = try shrunkModel()
        let folder = dir.appendingPathComponent("hf-q8").path
        XCTAssertThrowsError(try save(model, file, to: folder, .q8_0)) { error in
            XCTAssertTrue("\(error)".contains("q8_0 is a GGUF storage type"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder))
    }

    /// gguf-py's GGUFReader (llama.cpp's own Python reader) opens every quantized save: the same tensor
    /// names, types and shapes, and its `dequantize` gives exactly the values this tool's reader gives.
    func testGGUFPyReadsQuantizedSaves() throws {
        try Python.require(["gguf", "numpy"])
        let (model, file, dir) = try shrunkModel()
        let script = """
        import json, sys, gguf, numpy as np
        from gguf.quants import dequantize
        r = gguf.GGUFReader(sys.argv[1])
        out = [{"name": t.name, "type": t.tensor_type.name, "shape": [int(d) for d in t.shape],
                "values": [float(v) for v in dequantize(t.data, t.tensor_type).astype(np.float32).ravel()]} for t in r.tensors]
        print(json.dumps(out))
        """
        struct Seen: Decodable { let name: String; let type: String; let shape: [Int]; let values: [Double] }
        for dtype in [ModelExport.DType.q8_0, .q4_0, .q4_1, .bf16] {
            let path = dir.appendingPathComponent("py-\(dtype.name).gguf").path
            _ = try save(model, file, to: path, dtype)
            let (status, data) = try Python.run(script, [path])
            XCTAssertEqual(status, 0, dtype.name)
            let seen = try JSONDecoder().decode([Seen].self, from: data)
            let ours = try GGUFFile(path: path)
            XCTAssertEqual(seen.map(\.name), ours.tensors.map(\.name))
            for (t, o) in zip(seen, ours.tensors) {
                XCTAssertEqual(t.type, o.type.name, "\(dtype.name) \(t.name)")
                XCTAssertEqual(t.shape, o.shape, "\(dtype.name) \(t.name)")
                let values = try ours.floats(o)
                XCTAssertEqual(t.values.count, values.count)
                let differ = zip(t.values, values).filter { Float($0.0) != $0.1 }.count
                XCTAssertEqual(differ, 0, "\(dtype.name) \(t.name): \(differ) values differ from gguf-py's dequantization")
            }
        }
    }
}
