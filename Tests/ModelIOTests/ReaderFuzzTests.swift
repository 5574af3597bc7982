import Foundation
@testable import ModelIO
import TestSupport
import XCTest

/// Seeded malformed-input fuzzing of the readers: truncations, random bytes and integers that size
/// things (counts, lengths, shapes, offsets) set to boundary values. Every case must open (and then
/// convert every tensor) or throw a `ModelIOError` naming the file; a trap would kill the runner, so
/// this runs in-process only because the readers check every size they read.
final class ReaderFuzzTests: XCTestCase {
    /// Runs `open` on each of `cases` written to a file; fails on any error other than a ModelIOError
    /// naming that file. Returns how many opened.
    func run(_ cases: [[UInt8]], name: String, open: (String) throws -> Void) throws -> Int {
        let dir = try Mutation.scratchFolder(self)
        var opened = 0
        for (i, bytes) in cases.enumerated() {
            let path = dir.appendingPathComponent("\(i)-\(name)").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                try open(path)
                opened += 1
            } catch let e as ModelIOError {
                XCTAssertEqual(e.path, path, "case \(i): \(e)")
                XCTAssertFalse(e.problem.contains("\n"), "case \(i): one line: \(e)")
            } catch {
                XCTFail("case \(i): not a ModelIOError: \(error)")
            }
            try? FileManager.default.removeItem(atPath: path)
        }
        return opened
    }

    func testCorruptGGUFNeverCrashes() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "small", withExtension: "gguf", subdirectory: "Fixtures"))
        let good = [UInt8](try Data(contentsOf: url))
        let header = 1184   // where small.json says the tensor data starts
        var rng = SeededRandom(seed: 2024)
        let cases = (0..<5000).map { _ in Mutation.mutate(good, header: header, rng: &rng) }
        let opened = try run(cases, name: "fuzz.gguf") { path in
            let file = try GGUFFile(path: path)
            for t in file.tensors {
                let values = try file.floats(t)
                XCTAssertEqual(values.count, t.elementCount)
            }
        }
        // Some mutations only touch values or padding: the fuzzing reached past the header.
        XCTAssertGreaterThan(opened, 100)
        XCTAssertLessThan(opened, cases.count)
    }

    /// A safetensors file with a header whose numbers (shapes, offsets, the header length) are
    /// replaced one at a time by boundary values, plus byte-level mutations.
    func testCorruptSafetensorsNeverCrashes() throws {
        let dir = try TestPaths.temporaryFolder(self)
        var w = SafetensorsWriter()
        w.add("a.weight", shape: [4, 3], values: (0..<12).map(Float.init), dtype: .f32)
        w.add("b.weight", shape: [1, 5], values: (0..<5).map(Float.init), dtype: .f16)
        w.add("c.norm", shape: [6], values: (0..<6).map(Float.init), dtype: .bf16)
        w.add("d.empty", shape: [0, 3], values: [], dtype: .f32)
        try w.write(folder: dir.path)
        let good = [UInt8](try Data(contentsOf: dir.appendingPathComponent("model.safetensors")))
        let headerLength = Int(good[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = String(decoding: good[8..<(8 + headerLength)], as: UTF8.self)
        let data = Array(good[(8 + headerLength)...])

        func file(_ header: String, data: [UInt8]) -> [UInt8] {
            let h = Array(header.utf8)
            return withUnsafeBytes(of: UInt64(h.count).littleEndian) { Array($0) } + h + data
        }
        // Every number in the header (shapes, offsets) replaced by boundary values, then byte mutations.
        var cases = Mutation.replacingNumbers(in: header).map { file($0, data: data) }
        var rng = SeededRandom(seed: 7)
        for _ in 0..<2000 { cases.append(Mutation.mutate(good, header: 8 + headerLength, rng: &rng)) }
        let opened = try run(cases, name: "fuzz.safetensors") { path in
            let file = try SafetensorsFile(path: path)
            for t in file.tensors { XCTAssertEqual(file.floats(t).count, t.elementCount) }
        }
        XCTAssertGreaterThan(opened, 10)
        XCTAssertLessThan(opened, cases.count)
    }
}
