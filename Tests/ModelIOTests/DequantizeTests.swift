import Foundation
@testable import ModelIO
import XCTest

/// The Swift kernels against gguf-py's `gguf.quants.dequantize` (Fixtures/quant_blocks.json and
/// Fixtures/smollm2_q4_1.json, made by Fixtures/make_fixtures.py). Every value must match bit for bit:
/// both sides do the same float32 operations in the same order, so there is no tolerance.
final class DequantizeTests: XCTestCase {
    struct Case: Decodable {
        let type: String
        let id: UInt32
        let how: String
        let bytes: String
        let values: [Double]
    }

    struct ModelSample: Decodable {
        struct Tensor: Decodable {
            let name: String
            let type: String
            let shape: [Int]
            let rows: [Row]
        }
        struct Row: Decodable {
            let row: Int
            let columns: [Int]
            let values: [Double]
        }
        let model: String
        let tensors: [Tensor]
    }

    static func fixture(_ name: String, _ ext: String) throws -> URL {
        try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures"), "fixture \(name).\(ext)")
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func dequantize(_ type: GGMLType, _ raw: UnsafeRawBufferPointer, count: Int) throws -> [Float] {
        var out = [Float](repeating: .nan, count: count)
        try out.withUnsafeMutableBufferPointer { try Dequantize.run(type, from: raw, into: $0) }
        return out
    }

    /// Bitwise equality (so −0 and +0 differ), reporting the first few mismatches.
    func assertIdentical(_ got: [Float], _ want: [Float], _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, "\(label): count", file: file, line: line)
        let bad = zip(got, want).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
        for (i, pair) in bad.prefix(5) {
            XCTFail("\(label): value \(i) is \(pair.0), gguf-py gives \(pair.1)", file: file, line: line)
        }
        if bad.count > 5 { XCTFail("\(label): \(bad.count) values differ in all", file: file, line: line) }
    }

    func testEveryTypeMatchesGGUFPy() throws {
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: Self.fixture("quant_blocks", "json")))
        XCTAssertEqual(cases.map(\.type), ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"])
        for c in cases {
            let type = try XCTUnwrap(GGMLType(rawValue: c.id), c.type)
            XCTAssertEqual(type.name, c.type)
            let raw = try XCTUnwrap(Data(base64Encoded: c.bytes), c.type)
            let (per, bytes) = try XCTUnwrap(type.blockLayout, c.type)
            XCTAssertEqual(raw.count / bytes * per, c.values.count, c.type)
            let got = try raw.withUnsafeBytes { try dequantize(type, $0, count: c.values.count) }
            assertIdentical(got, c.values.map { Float($0) }, "\(c.type) (\(c.how))")
        }
    }

    /// Dequantizing block by block gives what dequantizing the whole run gives (no state between blocks).
    func testBlocksAreIndependent() throws {
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: Self.fixture("quant_blocks", "json")))
        for c in cases {
            let type = try XCTUnwrap(GGMLType(rawValue: c.id))
            let (per, bytes) = try XCTUnwrap(type.blockLayout)
            let raw = try XCTUnwrap(Data(base64Encoded: c.bytes))
            var pieces: [Float] = []
            try raw.withUnsafeBytes { all in
                for start in stride(from: 0, to: all.count, by: bytes) {
                    pieces += try dequantize(type, UnsafeRawBufferPointer(rebasing: all[start..<start + bytes]), count: per)
                }
            }
            assertIdentical(pieces, c.values.map { Float($0) }, "\(c.type) block by block")
        }
    }

    func testUnsupportedTypesThrowInsteadOfCrashing() throws {
        let unsupported = GGMLType.allCases.filter { $0.blockLayout == nil }
        XCTAssertTrue(unsupported.contains(.q2_K) && unsupported.contains(.iq4_xs))
        let bytes = [UInt8](repeating: 0, count: 256)
        var out = [Float](repeating: 0, count: 256)
        for type in unsupported {
            XCTAssertThrowsError(try bytes.withUnsafeBytes { src in
                try out.withUnsafeMutableBufferPointer { try Dequantize.run(type, from: src, into: $0) }
            }, type.name) { error in
                XCTAssertEqual((error as? ModelIOError)?.problem, "cannot dequantize tensor type \(type.name)")
            }
        }
        // `others` is only reached for block types, but must refuse anything it has no kernel for.
        XCTAssertThrowsError(try bytes.withUnsafeBytes { src in
            try out.withUnsafeMutableBufferPointer { try Dequantize.others(.f32, src.baseAddress!, $0.baseAddress!, blocks: 1) }
        }) { error in
            XCTAssertEqual((error as? ModelIOError)?.problem, "cannot dequantize tensor type F32")
        }
    }

    func testZeroBlocksAreNoOps() throws {
        for type in GGMLType.allCases where type.blockLayout != nil {
            XCTAssertEqual(try dequantize(type, UnsafeRawBufferPointer(start: nil, count: 0), count: 0), [], type.name)
        }
    }

    /// Rows of the real model's Q4_1 and Q8_0 tensors against gguf-py's values in smollm2_q4_1.json.
    func testSmolLM2TensorsMatchGGUFPy() throws {
        let model = Self.root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
        guard FileManager.default.fileExists(atPath: model) else {
            // In CI (CI=true) the model must be there: fail rather than skip.
            let message = "\(model) not found; run scripts/setup.sh"
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail(message); return }
            throw XCTSkip(message)
        }
        let sample = try JSONDecoder().decode(ModelSample.self, from: Data(contentsOf: Self.fixture("smollm2_q4_1", "json")))
        XCTAssertEqual(sample.tensors.map(\.type), ["Q4_1", "Q8_0"])
        let file = try GGUFFile(path: model)
        var compared = 0
        for t in sample.tensors {
            let info = try XCTUnwrap(file[tensor: t.name], t.name)
            XCTAssertEqual(info.type.name, t.type, t.name)
            XCTAssertEqual(info.shape, t.shape, t.name)
            let rowBytes = try XCTUnwrap(info.type.byteCount(elements: info.columns))
            let data = file.data(of: info)
            for r in t.rows {
                let row = try dequantize(info.type, UnsafeRawBufferPointer(rebasing: data[r.row * rowBytes..<(r.row + 1) * rowBytes]), count: info.columns)
                assertIdentical(r.columns.map { row[$0] }, r.values.map { Float($0) }, "\(t.name) row \(r.row)")
                compared += r.columns.count
            }
        }
        XCTAssertGreaterThan(compared, 400)

        // The whole-tensor path through GGUFFile agrees, in row-major order.
        let up = try XCTUnwrap(sample.tensors.first { $0.name == "blk.0.ffn_up.weight" })
        let info = try XCTUnwrap(file[tensor: up.name])
        let all = try file.floats(info)
        XCTAssertEqual(all.count, 576 * 1536)
        for r in up.rows {
            assertIdentical(r.columns.map { all[r.row * info.columns + $0] }, r.values.map { Float($0) }, "floats(\(up.name)) row \(r.row)")
        }
    }
}
