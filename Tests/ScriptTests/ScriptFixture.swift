import Foundation
import Script
import TestSupport
import XCTest

/// A temporary folder with a tiny model and texts, for scripts to run against.
struct ScriptFolder {
    let url: URL

    init(_ test: XCTestCase) throws {
        url = try TestPaths.temporaryFolder(test)
        try TinyLlama(seed: 41).write(to: url.appendingPathComponent("tiny.gguf").path)
        // The tiny vocabulary is printable ASCII, one token per character.
        var rng = SeededRandom(seed: 42)
        for (name, n) in [("calib.txt", 400), ("eval.txt", 300)] {
            let text = TinyText.make(characters: n, using: &rng)
            try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        // A task file, for scripts that evaluate a task.
        try #"{"goal": "open a jar", "sol1": "twist the lid", "sol2": "shout at it", "label": 0}"#
            .write(to: url.appendingPathComponent("piqa.jsonl"), atomically: true, encoding: .utf8)
        // For scripts that name an empty data file.
        _ = FileManager.default.createFile(atPath: url.appendingPathComponent("empty.txt").path, contents: Data())
    }

    func write(_ name: String, _ text: String) throws -> SourceFile {
        let path = url.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return SourceFile(path: path, text: text)
    }

    /// The diagnostics for a script's bytes as `prune check` reads them: decoding, then checking.
    func diagnostics(_ name: String, bytes: Data) throws -> [Diagnostic] {
        let path = url.appendingPathComponent(name).path
        try bytes.write(to: URL(fileURLWithPath: path))
        do {
            _ = try Checker.check(try SourceFile.read(path))
            return []
        } catch let d as Diagnostics {
            return d.items
        }
    }

    /// The checker's diagnostics for `text` (empty when the script is fine).
    func diagnostics(_ name: String, _ text: String) throws -> [Diagnostic] {
        do {
            _ = try Checker.check(try write(name, text))
            return []
        } catch let d as Diagnostics {
            return d.items
        }
    }
}
