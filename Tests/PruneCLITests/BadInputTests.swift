import Foundation
import ModelIO
import TestSupport
import XCTest

/// Every bad input gets one clear line on stderr naming the file or value, and a non-zero status.
final class BadInputTests: XCTestCase {
    var dir: URL!
    var tiny: String!

    override func setUpWithError() throws {
        dir = try TestPaths.temporaryFolder(self)
        tiny = dir.appendingPathComponent("tiny.gguf").path
        try TinyLlama(seed: 5).write(to: tiny)
    }

    func write(_ name: String, _ data: Data) throws -> String {
        let p = dir.appendingPathComponent(name).path
        try data.write(to: URL(fileURLWithPath: p))
        return p
    }

    func assertFails(_ args: [String], status: Int32, says expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try PruneCommand.run(args)
        XCTAssertEqual(r.status, status, "stderr: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(expected), "stderr was: \(r.stderr)", file: file, line: line)
        XCTAssertFalse(r.stderr.contains("Fatal error"), file: file, line: line)
    }

    func testMissingModelFile() throws {
        let missing = dir.appendingPathComponent("nope.gguf").path
        let text = try write("t.txt", Data("abc".utf8))
        try assertFails(["eval", "--model", missing, "--text", text], status: 66, says: "prune: error: \(missing): no such file")
        try assertFails(["inspect", missing], status: 66, says: "prune: error: \(missing): no such file")
    }

    func testMissingTextFile() throws {
        let missing = dir.appendingPathComponent("nope.txt").path
        try assertFails(["eval", "--model", tiny, "--text", missing], status: 66, says: "prune: error: \(missing): no such file")
    }

    func testTruncatedModel() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: tiny))
        for cut in [3, 20, 200, whole.count / 2, whole.count - 1] {
            let p = try write("cut\(cut).gguf", whole.prefix(cut))
            let r = try PruneCommand.run(["inspect", p])
            XCTAssertEqual(r.status, 65, "cut at \(cut): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("prune: error: \(p): "), r.stderr)
            XCTAssertTrue(r.stderr.contains("truncated") || r.stderr.contains("not a GGUF file"), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line: \(r.stderr)")
        }
    }

    func testWrongMagic() throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: tiny))
        bytes.replaceSubrange(0..<4, with: Data("GGML".utf8))
        let p = try write("magic.gguf", bytes)
        try assertFails(["inspect", p], status: 65, says: "\(p): not a GGUF file: bad magic \"GGML\" (expected \"GGUF\")")
    }

    func testUnsupportedArchitecture() throws {
        var w = GGUFWriter()
        w.set("general.architecture", .string("gpt2"))
        w.addTensor("token_embd.weight", rows: 4, columns: 8, values: .init(repeating: 0, count: 32))
        let p = dir.appendingPathComponent("gpt2.gguf").path
        try w.write(to: p)
        let text = try write("t.txt", Data("abc".utf8))
        try assertFails(["eval", "--model", p, "--text", text], status: 65, says: "architecture \"gpt2\" is not supported")
    }

    func testSeqlenZero() throws {
        try assertFails(["eval", "--model", tiny, "--seqlen", "0"], status: 64, says: "--seqlen must be at least 2 (got 0)")
    }

    func testTextShorterThanOneWindow() throws {
        let text = try write("short.txt", Data("abc!".utf8))
        try assertFails(["eval", "--model", tiny, "--text", text, "--seqlen", "64"], status: 65,
                        says: "the text has 4 tokens, fewer than one window of 64")
    }
}
