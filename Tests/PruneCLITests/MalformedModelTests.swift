import Foundation
import ModelIO
import TestSupport
import XCTest

/// Model files whose sizes are wrong (zero heads, a head count that does not divide the width, absurd
/// layer counts, zero or negative sizes in config.json): `prune inspect` and `prune eval` must answer
/// with one line, `prune: error: <file>: ...`, and exit status 65, never a crash. They run as
/// subprocesses, so a trap fails one assertion instead of killing the test runner.
final class MalformedModelTests: XCTestCase {
    var dir = URL(fileURLWithPath: "/")
    var tiny = ""
    var text = ""

    override func setUpWithError() throws {
        dir = try TestPaths.temporaryFolder(self)
        tiny = dir.appendingPathComponent("tiny.gguf").path
        try TinyLlama(seed: 41).write(to: tiny)
        var rng = SeededRandom(seed: 42)
        text = dir.appendingPathComponent("t.txt").path
        try TinyText.make(characters: 200, using: &rng)
            .write(toFile: text, atomically: true, encoding: .utf8)
    }

    /// A copy of the tiny model with some metadata replaced (nil removes the key) and the tensors
    /// optionally edited.
    func variant(_ name: String, _ changes: [String: GGUFValue?],
                 tensors edit: (inout [(name: String, shape: [Int], values: [Float])]) -> Void = { _ in }) throws -> String {
        let file = try GGUFFile(path: tiny)
        var w = GGUFWriter()
        for key in file.metadataKeys where key != "general.alignment" && changes.index(forKey: key) == nil {
            w.set(key, file.metadata[key]!)
        }
        for (key, value) in changes.sorted(by: { $0.key < $1.key }) { if let value { w.set(key, value) } }
        var tensors = try file.tensors.map { (name: $0.name, shape: $0.shape, values: try file.floats($0)) }
        edit(&tensors)
        for t in tensors {
            if t.shape.count == 1 {
                w.addVector(t.name, values: t.values)
            } else {
                w.addTensor(t.name, rows: t.shape[1], columns: t.shape[0], values: t.values)
            }
        }
        let path = dir.appendingPathComponent(name + ".gguf").path
        try w.write(to: path)
        return path
    }

    /// `inspect` and `eval` both refuse `path` in one line naming it, with status 65.
    func assertRefused(_ path: String, says expected: String, commands: [[String]]? = nil,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        for args in commands ?? [["inspect", path], ["eval", "--model", path, "--text", text, "--seqlen", "16"]] {
            let r = try PruneCommand.run(args)
            XCTAssertEqual(r.status, 65, "\(args[0]): \(r.stderr)", file: file, line: line)
            XCTAssertTrue(r.stderr.hasPrefix("prune: error: "), "\(args[0]): \(r.stderr)", file: file, line: line)
            XCTAssertTrue(r.stderr.contains(expected), "\(args[0]) said: \(r.stderr)", file: file, line: line)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(args[0]): one line: \(r.stderr)", file: file, line: line)
        }
    }

    func testTheUnchangedCopyLoads() throws {
        let path = try variant("same", [:])
        let r = try PruneCommand.run(["eval", "--model", path, "--text", text, "--seqlen", "16"])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func testZeroAndBadHeadCounts() throws {
        try assertRefused(try variant("heads0", ["llama.attention.head_count": .uint32(0)]), says: "head_count")
        try assertRefused(try variant("kv0", ["llama.attention.head_count_kv": .uint32(0)]), says: "head_count_kv")
        try assertRefused(try variant("headsneg", ["llama.attention.head_count": .int32(-4)]), says: "head_count")
        // 64 is not a multiple of 3 and no key_length says what a head's size is.
        try assertRefused(try variant("heads3", ["llama.attention.head_count": .uint32(3), "llama.attention.head_count_kv": .uint32(3)]),
                          says: "head_count")
        try assertRefused(try variant("kv3", ["llama.attention.head_count_kv": .uint32(3)]), says: "head_count_kv")
        try assertRefused(try variant("keylength0", ["llama.attention.key_length": .uint32(0)]), says: "key_length")
        try assertRefused(try variant("huge", ["llama.attention.head_count": .uint64(1 << 62), "llama.attention.key_length": .uint64(1 << 62)]),
                          says: "head_count")
    }

    func testBadWidthsAndLayerCounts() throws {
        try assertRefused(try variant("hidden0", ["llama.embedding_length": .uint32(0)]), says: "embedding_length")
        try assertRefused(try variant("hiddenneg", ["llama.embedding_length": .int64(-64)]), says: "embedding_length")
        try assertRefused(try variant("layers0", ["llama.block_count": .uint32(0)]), says: "block_count")
        try assertRefused(try variant("layersneg", ["llama.block_count": .int32(-1)]), says: "block_count")
        try assertRefused(try variant("layershuge", ["llama.block_count": .uint64(1 << 40)]), says: "block_count")
        try assertRefused(try variant("layersint", ["llama.block_count": .int64(Int64.max)]), says: "block_count")
        try assertRefused(try variant("context", ["llama.context_length": .int64(-1)]), says: "context_length")
        try assertRefused(try variant("theta", ["llama.rope.freq_base": .float32(-1)]), says: "freq_base")
        try assertRefused(try variant("eps", ["llama.attention.layer_norm_rms_epsilon": .float32(.nan)]), says: "layer_norm_rms_epsilon")
    }

    /// A tensor with a zero dimension (what an emptied layer would be written as) is refused by name.
    func testZeroSizedTensor() throws {
        let path = try variant("zero", [:]) { tensors in
            let i = tensors.firstIndex { $0.name == "blk.1.ffn_up.weight" }!
            tensors[i] = (tensors[i].name, [64, 0], [])
        }
        try assertRefused(path, says: "blk.1.ffn_up.weight", commands: [["eval", "--model", path, "--text", text, "--seqlen", "16"]])
    }

    func testBadTokenizerMetadata() throws {
        // More token types than tokens, and an id type out of range.
        let types = GGUFValue.array((0..<150).map { _ in .int32(3) })
        try assertRefused(try variant("types", ["tokenizer.ggml.token_type": types]), says: "token_type")
        // A SentencePiece (llama) vocabulary whose token types do not fit 32 bits.
        let llama: [String: GGUFValue?] = [
            "tokenizer.ggml.model": .string("llama"), "tokenizer.ggml.merges": nil,
            "tokenizer.ggml.scores": .array((0..<100).map { _ in .float32(0) }),
            "tokenizer.ggml.token_type": .array((0..<100).map { .int64($0 == 7 ? 1 << 40 : 1) }),
        ]
        try assertRefused(try variant("types64", llama), says: "token_type")
    }

    /// config.json of a Hugging Face folder with zero, negative and absurd sizes.
    func testBadConfigJSON() throws {
        let folder = dir.appendingPathComponent("hf")
        let r = try PruneCommand.run(["convert", tiny, "--to", folder.path, "--no-verify"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let configURL = folder.appendingPathComponent("config.json")
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        let cases: [(String, Any)] = [
            ("num_attention_heads", 0), ("num_attention_heads", -4), ("num_key_value_heads", 0), ("num_key_value_heads", 3),
            ("hidden_size", 0), ("hidden_size", -64), ("num_hidden_layers", 0), ("num_hidden_layers", 1 << 40),
            ("head_dim", 0), ("head_dim", 1 << 61), ("intermediate_size", -1), ("vocab_size", 0),
            ("max_position_embeddings", -1), ("max_position_embeddings", 1 << 40), ("rms_norm_eps", -1.0), ("rope_theta", 0),
        ]
        for (key, value) in cases {
            var config = original
            config[key] = value
            try JSONSerialization.data(withJSONObject: config).write(to: configURL)
            try assertRefused(folder.path, says: key)
        }
        // Without head_dim, a head count that does not divide hidden_size.
        var config = original
        config["head_dim"] = nil
        config["num_attention_heads"] = 3
        config["num_key_value_heads"] = 3
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        try assertRefused(folder.path, says: "num_attention_heads")
    }
}
