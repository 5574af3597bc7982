import Foundation
import Llama
import ModelIO
import TestSupport
import XCTest

/// Seeded fuzzing of whole-model loading (configuration, tensor shapes, tokenizer) from a GGUF file and
/// a Hugging Face folder: every malformed model must load or throw a `ModelIOError`; never trap.
final class ModelFuzzTests: XCTestCase {
    /// A very small model, so thousands of copies are cheap.
    func tinyGGUF(_ dir: URL) throws -> String {
        let path = dir.appendingPathComponent("tiny.gguf").path
        try TinyLlama(seed: 3) { $0.hidden = 16; $0.ffn = 8; $0.heads = 2; $0.kvHeads = 1; $0.vocab = 40 }.write(to: path)
        return path
    }

    /// Loads `path` as the CLI does and runs a few tokens through it; a thrown error must be a ModelIOError.
    func load(_ path: String, _ what: String) {
        do {
            let bundle = try ModelBundle.load(path: path)
            let ids = bundle.tokenizer.encode("abc!").filter { Int($0) < bundle.model.config.vocabSize }
            _ = bundle.model.logits(ids.isEmpty ? [0] : ids)
        } catch is ModelIOError {
        } catch {
            XCTFail("\(what): not a ModelIOError: \(error)")
        }
    }

    func testMalformedGGUFMetadataAndBytes() throws {
        let dir = try Mutation.scratchFolder(self)
        let source = try tinyGGUF(dir)
        let file = try GGUFFile(path: source)
        let path = dir.appendingPathComponent("case.gguf").path

        // Every integer and float setting of the model and tokenizer, set to boundary values of several types.
        let keys = file.metadataKeys.filter { key in
            guard let v = file.metadata[key] else { return false }
            return (key.hasPrefix("llama.") || key.hasPrefix("tokenizer.ggml.")) && (v.int != nil || v.double != nil)
        } + ["llama.attention.key_length", "llama.attention.head_count_kv", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.unknown_token_id"]
        var values: [GGUFValue] = Mutation.boundaries.map { .uint64($0) } + [.int32(-1), .int64(Int64.min), .int8(-128)]
        values += [.float32(.nan), .float32(-.infinity), .float32(0), .float64(-1e300), .float64(.infinity)]
        for key in Set(keys).sorted() {
            for value in values {
                var w = GGUFWriter()
                for k in file.metadataKeys where k != "general.alignment" && k != key { w.set(k, file.metadata[k]!) }
                w.set(key, value)
                for t in file.tensors {
                    if t.shape.count == 1 { w.addVector(t.name, values: try file.floats(t)) }
                    else { w.addTensor(t.name, rows: t.rows, columns: t.columns, values: try file.floats(t)) }
                }
                try w.write(to: path)
                load(path, "\(key) = \(value)")
            }
        }

        // Byte-level mutations, mostly in the header.
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        let header = file.tensors.map(\.range.lowerBound).min()!
        var rng = SeededRandom(seed: 11)
        for i in 0..<1000 {
            try Data(Mutation.mutate(good, header: header, rng: &rng)).write(to: URL(fileURLWithPath: path))
            load(path, "mutation \(i)")
        }
    }

    func testMalformedHuggingFaceFolder() throws {
        let dir = try Mutation.scratchFolder(self)
        let source = try tinyGGUF(dir)
        let bundle = try ModelBundle.load(path: source)
        let folder = dir.appendingPathComponent("hf")
        try ModelExport.write(bundle.model, tokenizer: bundle.tokenizer, source: bundle.source, to: folder.path)
        let configURL = folder.appendingPathComponent("config.json")
        let config = try String(contentsOf: configURL, encoding: .utf8)
        for (i, text) in Mutation.replacingNumbers(in: config).enumerated() {
            try text.write(to: configURL, atomically: false, encoding: .utf8)
            load(folder.path, "config.json case \(i)")
        }
        try config.write(to: configURL, atomically: false, encoding: .utf8)

        let weightsURL = folder.appendingPathComponent("model.safetensors")
        let weights = [UInt8](try Data(contentsOf: weightsURL))
        let headerLength = Int(weights[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = String(decoding: weights[8..<(8 + headerLength)], as: UTF8.self)
        let data = weights[(8 + headerLength)...]
        var cases: [[UInt8]] = Mutation.replacingNumbers(in: header).map { h in
            let bytes = Array(h.utf8)
            return withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { Array($0) } + bytes + data
        }
        var rng = SeededRandom(seed: 12)
        cases += (0..<300).map { _ in Mutation.mutate(weights, header: 8 + headerLength, rng: &rng) }
        for (i, bytes) in cases.enumerated() {
            try Data(bytes).write(to: weightsURL)
            load(folder.path, "model.safetensors case \(i)")
        }
    }
}
