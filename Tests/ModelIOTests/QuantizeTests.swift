import Foundation
@testable import ModelIO
import XCTest

/// The GGUF storage encoders against gguf-py's `gguf.quants.quantize` (bit-exact with ggml's reference
/// quantize_row_*_ref) and numpy's float16, on Fixtures/quantize_rows.json made by
/// Fixtures/make_quantize_fixtures.py. Every byte must match: both sides do the same float32 operations.
final class QuantizeTests: XCTestCase {
    struct Fixture: Decodable {
        let columns: Int
        let rows: [String]
        let bytes: [String: [String]]
    }

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    func fixture() throws -> (Fixture, [[Float]]) {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "quantize_rows", withExtension: "json", subdirectory: "Fixtures"))
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let rows = f.rows.map { hex in
            Self.bytes(hex: hex).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
        return (f, rows)
    }

    func testEveryStorageMatchesGGUFPyByteForByte() throws {
        let (f, rows) = try fixture()
        XCTAssertEqual(rows.count, 16)
        XCTAssertTrue(rows.allSatisfy { $0.count == f.columns })
        XCTAssertEqual(Set(f.bytes.keys), ["f16", "bf16", "q8_0", "q4_0", "q4_1"])
        for (name, expected) in f.bytes.sorted(by: { $0.key < $1.key }) {
            let storage = try XCTUnwrap(GGUFWriter.Storage.named(name), name)
            for (r, (row, want)) in zip(rows, expected).enumerated() {
                let got = storage.bytes(row)
                let wanted = Self.bytes(hex: want)
                XCTAssertEqual(got.count, storage.byteCount(row.count), "\(name) row \(r): size")
                if got != wanted {
                    let first = (0..<min(got.count, wanted.count)).first { got[$0] != wanted[$0] } ?? min(got.count, wanted.count)
                    XCTFail("\(name) row \(r): byte \(first) is \(first < got.count ? got[first] : 0), gguf-py wrote \(first < wanted.count ? wanted[first] : 0)")
                }
            }
        }
    }

    /// The registry's names, ggml types and llama.cpp file types (llama_ftype: ALL_F32 0, MOSTLY_F16 1,
    /// MOSTLY_Q4_0 2, MOSTLY_Q4_1 3, MOSTLY_Q8_0 7, MOSTLY_BF16 32).
    func testRegistry() {
        let all = GGUFWriter.Storage.all
        XCTAssertEqual(all.map(\.name), ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_1"])
        XCTAssertEqual(all.map(\.type), [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1])
        XCTAssertEqual(all.map(\.fileType), [0, 1, 32, 7, 2, 3])
        XCTAssertEqual(all.map(\.blockSize), [1, 1, 1, 32, 32, 32])
        XCTAssertNil(GGUFWriter.Storage.named("q5_0"))
    }

    /// A quantized tensor written by GGUFWriter reads back through GGUFFile as its type, and dequantizes
    /// (by the reader's kernels, themselves checked against gguf-py) to values within half a step.
    func testQuantizedTensorsReadBack() throws {
        let (_, rows) = try fixture()
        let values = Array(rows[0..<3].joined())
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quantize-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        for s in GGUFWriter.Storage.all { w.addTensor("t.\(s.name)", rows: 3, columns: 64, values: values, storage: s) }
        let path = dir.appendingPathComponent("q.gguf").path
        try w.write(to: path)
        let file = try GGUFFile(path: path)
        for s in GGUFWriter.Storage.all {
            let t = try XCTUnwrap(file[tensor: "t.\(s.name)"])
            XCTAssertEqual(t.type, s.type)
            XCTAssertEqual(t.shape, [64, 3])
            let back = try file.floats(t)
            for block in stride(from: 0, to: values.count, by: 32) {
                let slice = values[block..<block + 32]
                let spread = (slice.max()! - slice.min()!)
                // Worst error per type, as 0.51 of a "step": q8_0 half of max|x|/127; q4_0 a whole max|x|/8 (the
                // code for −max clips to 15, i.e. 7/8 of it); q4_1 half of (max − min)/15; float
                // formats half an ulp, at most max|x| · 2^-8 (bf16) or 2^-11 (f16); block types also the f16
                // scale's own rounding.
                let amax = slice.map(abs).max()!
                let step: Float = switch s.name {
                case "q8_0": amax / 127
                case "q4_0": amax / 4
                case "q4_1": spread / 15
                case "bf16": amax / 128
                case "f16": amax / 1024
                default: 0
                }
                for i in block..<block + 32 {
                    XCTAssertLessThanOrEqual(abs(back[i] - values[i]), step * 0.51 + amax * 2e-3 * (s.isBlockQuantized ? 1 : 0) + 1e-7,
                                             "\(s.name) value \(i)")
                }
            }
        }
    }
}
