import Foundation
import Llama
import ModelIO
import Tensor
import TestSupport
import Tokenizers
import XCTest

/// Hugging Face folders made by the Python `transformers` package (Fixtures/transformers/make_fixture.py):
/// they load to the logits transformers computed, and what this tool writes reloads to the same logits.
final class HuggingFaceFolderTests: XCTestCase {
    struct Case: Decodable {
        let text: String
        let ids: [Int32]
        let logits: [[Float]]
    }

    static let fixtures: URL = Bundle.module.url(forResource: "transformers", withExtension: nil, subdirectory: "Fixtures")!

    func folder(_ name: String) -> String { Self.fixtures.appendingPathComponent(name).path }

    func cases(_ name: String) throws -> [Case] {
        let all = try JSONDecoder().decode([String: [Case]].self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("logits.json")))
        return try XCTUnwrap(all[name])
    }

    func maxDifference(_ m: Matrix, _ expected: [[Float]]) -> Float {
        var worst: Float = 0
        for (r, row) in expected.enumerated() {
            for (c, v) in row.enumerated() { worst = max(worst, abs(m[r, c] - v)) }
        }
        return worst
    }

    func testShardedFloat32FolderMatchesTransformersLogits() throws {
        let bundle = try ModelBundle.load(path: folder("tiny-llama"))
        let c = bundle.model.config
        XCTAssertEqual(c.numHiddenLayers, 3)
        XCTAssertEqual(c.numKeyValueHeads, 2)
        XCTAssertEqual(c.intermediateSizes, [96, 96, 96])
        XCTAssertFalse(c.tieWordEmbeddings)
        XCTAssertEqual(try SafetensorsCheckpoint(folder: folder("tiny-llama")).files.count, 3, "the fixture is sharded")
        for k in try cases("tiny-llama") {
            XCTAssertEqual(bundle.tokenizer.encode(k.text), k.ids, k.text)
            XCTAssertEqual(k.logits.count, k.ids.count)
            XCTAssertLessThanOrEqual(maxDifference(bundle.model.logits(k.ids), k.logits), 1e-4, k.text)
        }
    }

    func testBFloat16TiedFolderMatchesTransformersLogits() throws {
        let bundle = try ModelBundle.load(path: folder("tiny-llama-bf16"))
        XCTAssertTrue(bundle.model.config.tieWordEmbeddings)
        XCTAssertEqual(try SafetensorsCheckpoint(folder: folder("tiny-llama-bf16"))[tensor: "model.embed_tokens.weight"]?.dtype, .bf16)
        // The matrices are read in place from the safetensors map, as stored (transformers computes in
        // Float32 on them; so does the forward pass, widening a slice at a time).
        for kind in LinearKind.allCases {
            XCTAssertEqual(bundle.model.weights.layers[0].weight(kind).type, .bf16, kind.rawValue)
            XCTAssertEqual(bundle.model.weights.layers[0].weight(kind).half?.isMapped, true, kind.rawValue)
        }
        for k in try cases("tiny-llama-bf16") {
            XCTAssertEqual(bundle.tokenizer.encode(k.text), k.ids, k.text)
            XCTAssertLessThanOrEqual(maxDifference(bundle.model.logits(k.ids), k.logits), 1e-4, k.text)
        }
    }

    /// The folder and the GGUF file this tool writes reload to the transformers logits; BF16 and F16
    /// copies load too, within their rounding.
    func testWrittenFolderAndGGUFReloadToTheSameLogits() throws {
        let bundle = try ModelBundle.load(path: folder("tiny-llama"))
        let tmp = try TestPaths.temporaryFolder(self)
        let k = try cases("tiny-llama")[1]
        for (target, dtype, tolerance) in [("copy", ModelExport.DType.f32, Float(1e-4)), ("copy.gguf", .f32, 1e-4),
                                           ("copy-bf16", .bf16, 0.5), ("copy-f16.gguf", .f16, 0.05)] {
            let path = tmp.appendingPathComponent(target).path
            try ModelExport.write(bundle.model, tokenizer: bundle.tokenizer, source: bundle.source, to: path, dtype: dtype)
            let reloaded = try ModelBundle.load(path: path)
            XCTAssertEqual(reloaded.tokenizer.encode(k.text), k.ids, target)
            XCTAssertLessThanOrEqual(maxDifference(reloaded.model.logits(k.ids), k.logits), tolerance, target)
        }
        // A folder source carries its tokenizer files over unchanged.
        XCTAssertEqual(try Data(contentsOf: tmp.appendingPathComponent("copy/tokenizer.json")),
                       try Data(contentsOf: URL(fileURLWithPath: folder("tiny-llama")).appendingPathComponent("tokenizer.json")))
        let written = try HuggingFaceConfig.read(path: tmp.appendingPathComponent("copy/config.json").path)
        XCTAssertEqual(written.intermediateSize, 96)
        XCTAssertNil(written.pruneIntermediateSizes)
        // GGUF from a folder: the tokenizer becomes GGUF metadata.
        let gguf = try GGUFFile(path: tmp.appendingPathComponent("copy.gguf").path)
        XCTAssertEqual(gguf.metadata["tokenizer.ggml.model"]?.string, "gpt2")
        XCTAssertEqual(gguf.metadata["tokenizer.ggml.tokens"]?.strings?.count, 320)
        XCTAssertEqual(gguf[tensor: "blk.0.ffn_up.weight"]?.type, .f32)
    }

    /// Layers of different widths: the GGUF keeps them exactly, the folder pads with zero neurons and
    /// records the real widths; both compute what the narrow model computes.
    func testDifferentFFNWidthsArePaddedInFoldersAndExactInGGUF() throws {
        let bundle = try ModelBundle.load(path: folder("tiny-llama"))
        let keep = [96, 40, 71]
        let layers = zip(bundle.model.weights.layers, keep).map { layer, n -> LlamaLayer in
            var l = layer
            l.gate = Weight(Matrix(rows: n, columns: layer.gate.columns, values: Array(layer.gate.matrix.values.prefix(n * layer.gate.columns))))
            l.up = Weight(Matrix(rows: n, columns: layer.up.columns, values: Array(layer.up.matrix.values.prefix(n * layer.up.columns))))
            let down = Matrix(rows: layer.down.rows, columns: n)
            for r in 0..<down.rows { down.row(r).update(from: layer.down.matrix.row(r), count: n) }
            l.down = Weight(down)
            return l
        }
        let narrow = bundle.model.replacingLayers(layers)
        let ids = try cases("tiny-llama")[0].ids
        let expected = narrow.logits(ids)
        let tmp = try TestPaths.temporaryFolder(self)
        let summary = try ModelExport.write(narrow, tokenizer: bundle.tokenizer, source: bundle.source, to: tmp.appendingPathComponent("hf").path)
        XCTAssertEqual(summary.paddedTo, 96)
        let config = try HuggingFaceConfig.read(path: tmp.appendingPathComponent("hf/config.json").path)
        XCTAssertEqual(config.intermediateSize, 96)
        XCTAssertEqual(config.pruneIntermediateSizes, keep)
        try ModelExport.write(narrow, tokenizer: bundle.tokenizer, source: bundle.source, to: tmp.appendingPathComponent("m.gguf").path)
        let gguf = try ModelBundle.load(path: tmp.appendingPathComponent("m.gguf").path)
        XCTAssertEqual(gguf.model.config.intermediateSizes, keep)
        let folder = try ModelBundle.load(path: tmp.appendingPathComponent("hf").path)
        XCTAssertEqual(folder.model.config.intermediateSizes, [96, 96, 96])
        for reloaded in [gguf.model, folder.model] {
            let got = reloaded.logits(ids)
            var worst: Float = 0
            for i in 0..<got.count { worst = max(worst, abs(got.pointer[i] - expected.pointer[i])) }
            XCTAssertLessThanOrEqual(worst, 1e-5)
        }
    }

    /// The Python `gguf` package (llama.cpp's own reader) opens the GGUF this tool writes and sees the
    /// same tensors, shapes, types and values. Runs when `gguf` is importable.
    func testPythonGGUFReaderReadsWhatWeWrite() throws {
        try Python.require(["gguf", "numpy"])
        let bundle = try ModelBundle.load(path: folder("tiny-llama"))
        let tmp = try TestPaths.temporaryFolder(self)
        let path = tmp.appendingPathComponent("m.gguf").path
        try ModelExport.write(bundle.model, tokenizer: bundle.tokenizer, source: bundle.source, to: path, dtype: .f16)
        let script = """
        import json, sys, gguf, numpy as np
        r = gguf.GGUFReader(sys.argv[1])
        out = {"tensors": [{"name": t.name, "shape": [int(d) for d in t.shape], "type": t.tensor_type.name,
                            "sum": float(np.asarray(t.data, dtype=np.float64).sum())} for t in r.tensors],
               "arch": bytes(r.fields["general.architecture"].parts[-1]).decode(),
               "ffn": int(r.fields["llama.feed_forward_length"].parts[-1][0]),
               "tokens": len(r.fields["tokenizer.ggml.tokens"].data)}
        print(json.dumps(out))
        """
        let (status, data) = try Python.run(script, [path])
        XCTAssertEqual(status, 0)
        struct Seen: Decodable {
            struct T: Decodable { let name: String; let shape: [Int]; let type: String; let sum: Double }
            let tensors: [T]; let arch: String; let ffn: Int; let tokens: Int
        }
        let seen = try JSONDecoder().decode(Seen.self, from: data)
        XCTAssertEqual(seen.arch, "llama")
        XCTAssertEqual(seen.ffn, 96)
        XCTAssertEqual(seen.tokens, 320)
        let ours = try GGUFFile(path: path)
        XCTAssertEqual(seen.tensors.map(\.name), ours.tensors.map(\.name))
        XCTAssertEqual(seen.tensors.count, 2 + 1 + 3 * 9)
        for (t, o) in zip(seen.tensors, ours.tensors) {
            XCTAssertEqual(t.shape, o.shape, t.name)
            XCTAssertEqual(t.type, o.type.name, t.name)
            // Sums of the stored values, against the model's own weights (q/k permuted rows sum alike).
            let hf = TensorNames.huggingFace(fromGGUF: t.name)!
            let layer = hf.hasPrefix("model.layers.") ? Int(hf.split(separator: ".")[2])! : -1
            let values: [Float]
            switch hf {
            case "model.embed_tokens.weight": values = bundle.model.weights.embedding.matrix.values
            case "model.norm.weight": values = bundle.model.weights.finalNorm
            case "lm_head.weight": values = bundle.model.weights.lmHead!.matrix.values
            default:
                let l = bundle.model.weights.layers[layer]
                if hf.hasSuffix("input_layernorm.weight") { values = l.inputNorm }
                else if hf.hasSuffix("post_attention_layernorm.weight") { values = l.postAttentionNorm }
                else { values = l.weight(LinearKind(rawValue: String(hf.split(separator: ".")[3...4].joined(separator: ".")))!).matrix.values }
            }
            let expected = values.reduce(0.0) { $0 + Double(t.type == "F16" ? Float(Float16($1)) : $1) }
            XCTAssertEqual(t.sum, expected, accuracy: 1e-3 * max(1, abs(expected)), t.name)
        }
    }

    /// config.json settings this tool cannot honour are refused by name.
    func testUnsupportedConfigurationsAreRefusedByName() throws {
        let tmp = try TestPaths.temporaryFolder(self)
        let source = URL(fileURLWithPath: folder("tiny-llama-bf16"))
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as! [String: Any]
        let cases: [(String, (inout [String: Any]) -> Void, String)] = [
            ("mistral", { $0["architectures"] = ["MistralForCausalLM"] }, "architecture MistralForCausalLM is not supported"),
            ("scaling", { $0["rope_scaling"] = ["rope_type": "linear", "factor": 2.0] }, "rope scaling \"linear\" is not supported"),
            ("yarn", { $0["rope_parameters"] = ["rope_type": "yarn", "rope_theta": 10000.0] }, "rope scaling \"yarn\" is not supported"),
            ("gelu", { $0["hidden_act"] = "gelu" }, "hidden_act \"gelu\" is not supported"),
            ("bias", { $0["attention_bias"] = true }, "attention_bias true is not supported"),
            ("window", { $0["sliding_window"] = 4096 }, "sliding_window is set"),
            ("missing", { $0.removeValue(forKey: "hidden_size") }, "missing \"hidden_size\""),
            ("shape", { $0["num_key_value_heads"] = 3 }, "num_attention_heads 4 is not a multiple of num_key_value_heads 3"),
            ("vocab", { $0["vocab_size"] = 500 }, "tensor model.embed_tokens.weight has shape [320, 64], expected [500, 64]"),
        ]
        for (name, edit, message) in cases {
            let dir = tmp.appendingPathComponent(name)
            try FileManager.default.copyItem(at: source, to: dir)
            var config = original
            edit(&config)
            try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("config.json"))
            XCTAssertThrowsError(try ModelBundle.load(path: dir.path), name) { error in
                XCTAssertTrue("\(error)".contains(message), "\(name): \(error)")
            }
        }
        let empty = tmp.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        XCTAssertThrowsError(try ModelBundle.load(path: empty.path)) { XCTAssertTrue("\($0)".contains("config.json"), "\($0)") }
        XCTAssertThrowsError(try ModelBundle.load(path: tmp.appendingPathComponent("nowhere").path)) {
            XCTAssertTrue("\($0)".contains("no such file or folder"), "\($0)")
        }
    }
}
