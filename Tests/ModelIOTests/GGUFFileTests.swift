import Foundation
@testable import ModelIO
import XCTest

/// `GGUFFile` on a file written by gguf-py's `GGUFWriter` (Fixtures/small.gguf), against what gguf-py's
/// `GGUFReader` sees in it (Fixtures/small.json; both made by Fixtures/make_fixtures.py), and on broken
/// copies of it, where every failure must be a one-line `ModelIOError` naming the file.
final class GGUFFileTests: XCTestCase {
    /// A JSON value as JSONDecoder hands it over, before the GGUF type says what it means.
    indirect enum JSON: Decodable {
        case bool(Bool), int(Int64), uint(UInt64), double(Double), string(String), array([JSON])

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Bool.self) { self = .bool(v) }
            else if let v = try? c.decode(Int64.self) { self = .int(v) }
            else if let v = try? c.decode(UInt64.self) { self = .uint(v) }
            else if let v = try? c.decode(Double.self) { self = .double(v) }
            else if let v = try? c.decode(String.self) { self = .string(v) }
            else { self = .array(try c.decode([JSON].self)) }
        }

        func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
            switch self {
            case .int(let v): T(exactly: v)
            case .uint(let v): T(exactly: v)
            default: nil
            }
        }

        var number: Double? {
            switch self {
            case .int(let v): Double(v)
            case .uint(let v): Double(v)
            case .double(let v): v
            default: nil
            }
        }

        /// The GGUF value this JSON value stands for, given gguf-py's type names (outermost first).
        func value(_ types: ArraySlice<String>) -> GGUFValue? {
            switch (types.first, self) {
            case ("ARRAY", .array(let items)):
                return items.compactMapAll { $0.value(types.dropFirst()) }.map(GGUFValue.array)
            case ("UINT8", _): return integer(UInt8.self).map(GGUFValue.uint8)
            case ("INT8", _): return integer(Int8.self).map(GGUFValue.int8)
            case ("UINT16", _): return integer(UInt16.self).map(GGUFValue.uint16)
            case ("INT16", _): return integer(Int16.self).map(GGUFValue.int16)
            case ("UINT32", _): return integer(UInt32.self).map(GGUFValue.uint32)
            case ("INT32", _): return integer(Int32.self).map(GGUFValue.int32)
            case ("UINT64", _): return integer(UInt64.self).map(GGUFValue.uint64)
            case ("INT64", _): return integer(Int64.self).map(GGUFValue.int64)
            case ("FLOAT32", _): return number.flatMap(Float.init(exactly:)).map(GGUFValue.float32)
            case ("FLOAT64", _): return number.map(GGUFValue.float64)
            case ("BOOL", .bool(let v)): return .bool(v)
            case ("STRING", .string(let v)): return .string(v)
            default: return nil
            }
        }
    }

    struct Expected: Decodable {
        struct Metadata: Decodable {
            let key: String
            /// gguf-py's value types, outermost first: ["ARRAY", "ARRAY", "INT32"] for a nested array.
            let types: [String]
            /// What gguf-py's reader returns; it flattens nested arrays.
            let value: JSON
            /// What the script wrote, for values the reader flattens.
            let written: JSON?
        }
        struct Tensor: Decodable {
            let name: String
            let type: String
            let type_id: UInt32
            let shape: [Int]
            let data_offset: Int
            let n_bytes: Int
            let values: [Double]
        }
        let version: Int
        let file_size: Int
        let metadata_offset: Int
        let tensor_info_offset: Int
        let first_tensor_type_offset: Int
        let tensor_info_end: Int
        let data_offset: Int
        let metadata: [Metadata]
        let tensors: [Tensor]
    }

    var fixturePath: String!
    var expected: Expected!
    var folder: URL!

    override func setUpWithError() throws {
        let gguf = try XCTUnwrap(Bundle.module.url(forResource: "small", withExtension: "gguf", subdirectory: "Fixtures"))
        let json = try XCTUnwrap(Bundle.module.url(forResource: "small", withExtension: "json", subdirectory: "Fixtures"))
        fixturePath = gguf.path
        expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: json))
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("modelio-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    // MARK: - The good file

    func testMetadataMatchesGGUFPy() throws {
        let file = try GGUFFile(path: fixturePath)
        XCTAssertEqual(file.version, expected.version)
        XCTAssertEqual(file.architecture, "llama")
        XCTAssertEqual(file.alignment, 32)
        XCTAssertEqual(file.metadataKeys, expected.metadata.map(\.key))
        XCTAssertEqual(file.metadata.count, expected.metadata.count)
        // Every GGUF value type appears.
        let leafTypes = Set(expected.metadata.flatMap(\.types))
        XCTAssertEqual(leafTypes, ["UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32", "UINT64", "INT64",
                                   "FLOAT32", "FLOAT64", "BOOL", "STRING", "ARRAY"])
        for m in expected.metadata {
            let got = try XCTUnwrap(file.metadata[m.key], m.key)
            if let written = m.written {
                // The nested array keeps its structure here; gguf-py's reader returns it flattened.
                XCTAssertEqual(m.types, ["ARRAY", "ARRAY", "INT32"])
                XCTAssertEqual(got, written.value(m.types[...]), m.key)
                XCTAssertEqual(got.array?.flatMap { $0.array ?? [] }, m.value.value(["ARRAY", "INT32"])?.array, m.key)
            } else {
                let want = try XCTUnwrap(m.value.value(m.types[...]), "cannot read expected value of \(m.key)")
                XCTAssertEqual(got, want, m.key)
            }
        }
        // A few spelled out, so a fixture mix-up cannot hide a wrong reading.
        XCTAssertEqual(file.metadata["test.uint64"], .uint64(18_000_000_000_000_000_000))
        XCTAssertEqual(file.metadata["test.int64"], .int64(-9_000_000_000_000_000_000))
        XCTAssertEqual(file.metadata["test.float32"], .float32(0.1))
        XCTAssertEqual(file.metadata["test.string"]?.string, "h\u{e9}llo, \u{4e16}\u{754c} \u{1F600}")
        XCTAssertEqual(file.metadata["test.array_string"]?.strings, ["a", "", "\u{fc}ber", "three words here"])
        XCTAssertEqual(file.metadata["test.array_int64"], .array([.int64(.min), .int64(.max)]))
    }

    func testTensorsMatchGGUFPy() throws {
        let file = try GGUFFile(path: fixturePath)
        XCTAssertEqual(file.tensors.map(\.name), expected.tensors.map(\.name))
        XCTAssertEqual(expected.tensors.map(\.type), ["F32", "F16", "Q8_0", "Q4_1"])
        for t in expected.tensors {
            let info = try XCTUnwrap(file[tensor: t.name], t.name)
            XCTAssertEqual(info.shape, t.shape, t.name)
            XCTAssertEqual(info.type.rawValue, t.type_id, t.name)
            XCTAssertEqual(info.type.name, t.type, t.name)
            XCTAssertEqual(info.range, t.data_offset..<t.data_offset + t.n_bytes, t.name)
            XCTAssertEqual(info.columns, t.shape[0], t.name)
            XCTAssertEqual(info.rows, t.shape[1], t.name)
            // Exact: gguf-py and the Swift kernels do the same float32 arithmetic.
            let got = try file.floats(info)
            XCTAssertEqual(got.map(\.bitPattern), t.values.map { Float($0).bitPattern }, t.name)
        }
        XCTAssertNil(file[tensor: "missing"])
    }

    // MARK: - Broken files

    /// The error opening `path` gives; fails the test if there is none or it is not a ModelIOError.
    func openError(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> ModelIOError? {
        do {
            _ = try GGUFFile(path: path)
            XCTFail("\(path) opened without error", file: file, line: line)
        } catch let error as ModelIOError {
            XCTAssertEqual(error.path, path, file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), "one line: \(error)", file: file, line: line)
            return error
        } catch {
            XCTFail("not a ModelIOError: \(error)", file: file, line: line)
        }
        return nil
    }

    /// A copy of the fixture, cut to `length` bytes and patched, in the test's temporary folder.
    func brokenCopy(_ name: String, length: Int? = nil, patch: (inout [UInt8]) -> Void = { _ in }) throws -> String {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixturePath)))
        if let length { bytes.removeLast(bytes.count - length) }
        patch(&bytes)
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func assertOpenFails(_ path: String, _ problem: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(openError(path, file: file, line: line)?.description, "\(path): \(problem)", file: file, line: line)
    }

    func testMissingFileAndNonFiles() throws {
        let missing = folder.appendingPathComponent("nowhere/none.gguf").path
        assertOpenFails(missing, "no such file")
        assertOpenFails(folder.path, "not a regular file")
        assertOpenFails(try brokenCopy("empty.gguf", length: 0), "not a GGUF file: only 0 bytes")
    }

    func testTruncatedInsideHeader() throws {
        assertOpenFails(try brokenCopy("h3.gguf", length: 3), "not a GGUF file: only 3 bytes")
        assertOpenFails(try brokenCopy("h6.gguf", length: 6), "truncated file: version at byte 4 runs past the end (6 bytes)")
        assertOpenFails(try brokenCopy("h12.gguf", length: 12), "truncated file: tensor count at byte 8 runs past the end (12 bytes)")
        assertOpenFails(try brokenCopy("h20.gguf", length: 20), "truncated file: metadata count at byte 16 runs past the end (20 bytes)")
    }

    func testTruncatedInsideMetadata() throws {
        // The first key, "general.architecture", has its length at 24..<32 and its 20 bytes after.
        assertOpenFails(try brokenCopy("m34.gguf", length: 34), "truncated file: metadata key #0 at byte 32 runs past the end (34 bytes)")
        // The last entry is the uint32 llama.context_length, ending where the tensor infos start.
        let end = expected.tensor_info_offset
        assertOpenFails(try brokenCopy("mlast.gguf", length: end - 1),
                        "truncated file: metadata llama.context_length at byte \(end - 4) runs past the end (\(end - 1) bytes)")
    }

    func testTruncatedInsideTensorInfos() throws {
        let start = expected.tensor_info_offset
        assertOpenFails(try brokenCopy("t0.gguf", length: start + 4),
                        "truncated file: name of tensor #0 at byte \(start) runs past the end (\(start + 4) bytes)")
        let type = expected.first_tensor_type_offset
        assertOpenFails(try brokenCopy("t1.gguf", length: type + 2),
                        "truncated file: type of t.f32 at byte \(type) runs past the end (\(type + 2) bytes)")
    }

    func testTruncatedInsideTensorData() throws {
        let first = expected.tensors[0], last = expected.tensors[3]
        let cut = first.data_offset + 100
        assertOpenFails(try brokenCopy("d0.gguf", length: cut),
                        "truncated file: tensor t.f32 needs bytes \(first.data_offset)..<\(first.data_offset + first.n_bytes) but the file has \(cut)")
        let lastEnd = last.data_offset + last.n_bytes
        assertOpenFails(try brokenCopy("d1.gguf", length: lastEnd - 1),
                        "truncated file: tensor t.q4_1 needs bytes \(last.data_offset)..<\(lastEnd) but the file has \(lastEnd - 1)")
    }

    /// Every possible cut of the file fails with a message about the part it falls in, or opens when
    /// only the padding after the last tensor is gone.
    func testEveryTruncationFailsCleanly() throws {
        let e = expected!
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: fixturePath)).count, e.file_size)
        let lastEnd = e.tensors.map { $0.data_offset + $0.n_bytes }.max()!
        for length in 0..<e.file_size {
            let path = try brokenCopy("cut.gguf", length: length)
            if length >= lastEnd {
                XCTAssertNoThrow(try GGUFFile(path: path), "cut at \(length)")
                continue
            }
            guard let problem = openError(path)?.problem else { XCTFail("cut at \(length)"); continue }
            let ok: Bool
            switch length {
            case ..<4: ok = problem == "not a GGUF file: only \(length) bytes"
            case ..<e.metadata_offset: ok = problem.hasPrefix("truncated file: ") && problem.contains("runs past the end (\(length) bytes)")
            case ..<e.tensor_info_offset:
                ok = problem.hasPrefix("truncated file: ") && problem.contains("metadata")
                    && (problem.hasSuffix("runs past the end (\(length) bytes)") || problem.contains(" claims "))
            case ..<e.tensor_info_end:
                ok = problem.hasPrefix("truncated file: ") && (problem.contains("tensor #") || problem.contains(" of t."))
                    && problem.hasSuffix("runs past the end (\(length) bytes)")
            default:
                let t = e.tensors.first { $0.data_offset + $0.n_bytes > length }!
                ok = problem == "truncated file: tensor \(t.name) needs bytes \(t.data_offset)..<\(t.data_offset + t.n_bytes) but the file has \(length)"
            }
            XCTAssertTrue(ok, "cut at \(length): \(problem)")
        }
    }

    func testWrongMagic() throws {
        assertOpenFails(try brokenCopy("magic.gguf") { $0[3] = UInt8(ascii: "X") }, "not a GGUF file: bad magic \"GGUX\" (expected \"GGUF\")")
        assertOpenFails(try brokenCopy("binary.gguf") { $0.replaceSubrange(0..<4, with: [0x00, 0x0A, 0xFE, 0x7F]) },
                        "not a GGUF file: bad magic \"\\x00\\x0a\\xfe\\x7f\" (expected \"GGUF\")")
    }

    func testUnsupportedVersion() throws {
        func version(_ v: UInt32) -> (inout [UInt8]) -> Void {
            { bytes in withUnsafeBytes(of: v.littleEndian) { bytes.replaceSubrange(4..<8, with: $0) } }
        }
        assertOpenFails(try brokenCopy("v1.gguf", patch: version(1)), "unsupported GGUF version 1 (this tool reads versions 2 and 3)")
        assertOpenFails(try brokenCopy("v4.gguf", patch: version(4)), "unsupported GGUF version 4 (this tool reads versions 2 and 3)")
        assertOpenFails(try brokenCopy("vbig.gguf", patch: version(3 << 24)),
                        "unsupported GGUF version 50331648 (this tool reads versions 2 and 3 of little-endian files; this one looks big-endian)")
    }

    func testUnknownOrUnsupportedTensorType() throws {
        let at = expected.first_tensor_type_offset
        func type(_ v: UInt32) -> (inout [UInt8]) -> Void {
            { bytes in withUnsafeBytes(of: v.littleEndian) { bytes.replaceSubrange(at..<at + 4, with: $0) } }
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: fixturePath))[at], 0, "the F32 type id is where expected")
        assertOpenFails(try brokenCopy("type99.gguf", patch: type(99)), "tensor t.f32 has unknown tensor type 99")
        assertOpenFails(try brokenCopy("type10.gguf", patch: type(10)), "tensor t.f32 has tensor type Q2_K, which this tool cannot read")
        // A readable type whose blocks do not divide the 192 values.
        assertOpenFails(try brokenCopy("type12.gguf", patch: type(12)), "tensor t.f32: 192 elements is not a whole number of Q4_K blocks")
    }

    // MARK: - Hand-made hostile headers

    /// A GGUF header built byte by byte.
    struct Header {
        var bytes: [UInt8] = Array("GGUF".utf8)
        init(tensors: UInt64, metadata: UInt64) { u32(3); u64(tensors); u64(metadata) }
        mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes += s.utf8 }
    }

    func write(_ header: Header, _ name: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(header.bytes).write(to: url)
        return url.path
    }

    func testShapeWhoseElementCountOverflows() throws {
        var h = Header(tensors: 1, metadata: 0)
        h.string("huge")
        h.u32(4)
        for _ in 0..<4 { h.u64(1 << 39) }
        h.u32(0)
        h.u64(0)
        h.bytes += [UInt8](repeating: 0, count: 64)
        assertOpenFails(try write(h, "huge.gguf"), "tensor huge has shape [549755813888, 549755813888, 549755813888, 549755813888], too many elements")
        // Large but representable: reported as missing data, not as an overflow.
        var big = Header(tensors: 1, metadata: 0)
        big.string("big")
        big.u32(2)
        big.u64(1 << 30)
        big.u64(1 << 20)
        big.u32(0)
        big.u64(0)
        // The header ends at byte 67, so the data starts at 96.
        let path = try write(big, "big.gguf")
        XCTAssertEqual(openError(path)?.problem, "truncated file: tensor big needs bytes 96..<\(96 + (1 << 52)) but the file has 67")
    }

    func testDeeplyNestedArraysAreRefused() throws {
        var h = Header(tensors: 0, metadata: 1)
        h.string("deep")
        h.u32(9)
        for _ in 0..<200_000 { h.u32(9); h.u64(1) }
        h.u32(4)
        h.u64(0)
        assertOpenFails(try write(h, "deep.gguf"), "metadata deep nests arrays more than 64 deep")
        // Shallow nesting is fine.
        var ok = Header(tensors: 0, metadata: 1)
        ok.string("shallow")
        ok.u32(9)
        for _ in 0..<3 { ok.u32(9); ok.u64(1) }
        ok.u32(4)
        ok.u64(1)
        ok.u32(7)
        XCTAssertEqual(try GGUFFile(path: write(ok, "shallow.gguf")).metadata["shallow"], .array([.array([.array([.array([.uint32(7)])])])]))
    }

    func testUnknownMetadataValueTypeAndOverlongStrings() throws {
        var h = Header(tensors: 0, metadata: 1)
        h.string("odd")
        h.u32(13)
        h.u64(0)
        assertOpenFails(try write(h, "odd.gguf"), "metadata odd has unknown metadata value type 13")
        var s = Header(tensors: 0, metadata: 1)
        s.string("long")
        s.u32(8)
        s.u64(.max)
        assertOpenFails(try write(s, "long.gguf"), "truncated file: metadata long claims 18446744073709551615 bytes at byte 48")
        var a = Header(tensors: 0, metadata: 1)
        a.string("many")
        a.u32(9)
        a.u32(0)
        a.u64(1 << 40)
        assertOpenFails(try write(a, "many.gguf"), "truncated file: metadata many claims 1099511627776 array items at byte 52")
    }
}
