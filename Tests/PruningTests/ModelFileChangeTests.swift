import Foundation
import Llama
import ModelIO
@testable import Pruning
import TestSupport
import XCTest

/// A 16-bit model is read from its file's map for the whole run, so a model file rewritten in place while
/// cells run would change what later cells compute under the digest taken at load. The runner refuses
/// to hand such results on; a file replaced by a rename (the map keeps the old inode) is fine.
final class ModelFileChangeTests: XCTestCase {
    func cell(_ path: String) -> Cell {
        Cell(model: path, structure: .neurons, pipeline: .chained, scorer: ComponentSpec(name: "norm"),
             pruner: ComponentSpec(name: "local"), amount: 0.25)
    }

    func testACellAfterAnInPlaceRewriteIsRefused() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let path = folder.appendingPathComponent("tiny-bf16.gguf").path
        try TinyLlama(seed: 31) { $0.layers = 2 }.write(to: path, storage: .bf16)
        let runner = try CellRunner(modelPath: path, cache: nil)
        XCTAssertNoThrow(try runner.run(cell(path)))
        // The same byte written back: the contents stay, the modification time moves, as any in-place write's would.
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size - 1)
        let last = try XCTUnwrap(try handle.read(upToCount: 1))
        try handle.seek(toOffset: size - 1)
        Thread.sleep(forTimeInterval: 0.01)
        try handle.write(contentsOf: last)
        try handle.close()
        XCTAssertThrowsError(try runner.run(cell(path))) { error in
            XCTAssertTrue("\(error)".contains("rewritten in place"), "\(error)")
            XCTAssertTrue("\(error)".contains(path), "\(error)")
        }
    }

    func testACellAfterAReplacementByRenameRuns() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let path = folder.appendingPathComponent("tiny-bf16.gguf").path
        try TinyLlama(seed: 31) { $0.layers = 2 }.write(to: path, storage: .bf16)
        let runner = try CellRunner(modelPath: path, cache: nil)
        let before = try runner.run(cell(path))
        let other = folder.appendingPathComponent("other.gguf").path
        try TinyLlama(seed: 32) { $0.layers = 2 }.write(to: other, storage: .bf16)
        XCTAssertEqual(rename(other, path), 0)
        let after = try runner.run(cell(path))
        // Still the model loaded first: the same rows kept.
        XCTAssertEqual(after.metrics.keptRowMasks, before.metrics.keptRowMasks)
    }
}
