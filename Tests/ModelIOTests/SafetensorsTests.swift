import Foundation
@testable import ModelIO
import TestSupport
import XCTest

/// safetensors: what this tool writes has the layout the format describes (checked byte by byte here),
/// reads back exactly, shards with an index, and every broken file is refused with its name.
final class SafetensorsTests: XCTestCase {
    func testLayoutIsTheFormatsOwn() throws {
        let tmp = try TestPaths.temporaryFolder(self)
        var w = SafetensorsWriter()
        w.metadata = [:]
        w.add("a", shape: [2], values: [1, -2], dtype: .f32)
        try w.write(folder: tmp.path)
        let bytes = [UInt8](try Data(contentsOf: tmp.appendingPathComponent("model.safetensors")))
        let n = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        XCTAssertEqual(n % 8, 0, "the header is padded to a multiple of 8 bytes")
        let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
        XCTAssertEqual(header.trimmingCharacters(in: .whitespaces), #"{"a":{"data_offsets":[0,8],"dtype":"F32","shape":[2]}}"#)
        // 1.0 and -2.0 as little-endian IEEE singles.
        XCTAssertEqual(Array(bytes[(8 + n)...]), [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0])
    }

    func testRoundTripInEveryStorageType() throws {
        let tmp = try TestPaths.temporaryFolder(self)
        let values: [Float] = [0, 1, -1.5, 3.140625, 65504, 1e-3, -0.0, 2.5e-8]
        var w = SafetensorsWriter()
        w.add("m.f32", shape: [2, 4], values: values, dtype: .f32)
        w.add("m.f16", shape: [2, 4], values: values, dtype: .f16)
        w.add("m.bf16", shape: [8], values: values, dtype: .bf16)
        try w.write(folder: tmp.path)
        let file = try SafetensorsFile(path: tmp.appendingPathComponent("model.safetensors").path)
        XCTAssertEqual(file.metadata["format"], "pt")
        let f32 = try XCTUnwrap(file[tensor: "m.f32"])
        XCTAssertEqual(f32.shape, [2, 4])
        XCTAssertEqual([f32.rows, f32.columns], [2, 4])
        XCTAssertEqual(file.floats(f32), values)
        XCTAssertEqual(file.floats(file[tensor: "m.f16"]!), values.map { Float(Float16($0)) })
        // bfloat16 keeps the top 16 bits, rounded to nearest even: 1e-3 = 0x3A83126F → 0x3A83.
        let bf = file.floats(file[tensor: "m.bf16"]!)
        XCTAssertEqual(Array(bf[0..<5]), [0, 1, -1.5, 3.140625, 65536])
        XCTAssertEqual(bf[5].bitPattern, 0x3A83_0000)
        XCTAssertEqual(SafetensorsWriter.bfloat16Bits(Float(bitPattern: 0x3F80_8000)), 0x3F80, "a tie rounds to even")
        XCTAssertEqual(SafetensorsWriter.bfloat16Bits(Float(bitPattern: 0x3F81_8000)), 0x3F82, "a tie rounds to even")
        XCTAssertEqual(SafetensorsWriter.bfloat16Bits(Float(bitPattern: 0x3F80_8001)), 0x3F81)
    }

    func testShardsWithAnIndexReadAsOneCheckpoint() throws {
        let tmp = try TestPaths.temporaryFolder(self)
        var w = SafetensorsWriter()
        for i in 0..<5 { w.add("t\(i)", shape: [10, 10], values: (0..<100).map { Float($0 + 1000 * i) }, dtype: .f32) }
        let files = try w.write(folder: tmp.path, maxShardBytes: 400)
        XCTAssertEqual(files, (1...5).map { String(format: "model-%05d-of-00005.safetensors", $0) } + ["model.safetensors.index.json"])
        let checkpoint = try SafetensorsCheckpoint(folder: tmp.path)
        XCTAssertEqual(checkpoint.files.count, 5)
        XCTAssertEqual(checkpoint.tensorNames, ["t0", "t1", "t2", "t3", "t4"])
        var out = [Float](repeating: 0, count: 100)
        try out.withUnsafeMutableBufferPointer { try checkpoint.read("t3", into: $0) }
        XCTAssertEqual(out[7], 3007)
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: tmp.appendingPathComponent("model.safetensors.index.json"))) as! [String: Any]
        XCTAssertEqual((index["weight_map"] as? [String: String])?["t4"], "model-00005-of-00005.safetensors")
        XCTAssertEqual((index["metadata"] as? [String: Any])?["total_size"] as? Int, 2000)

        // An index that names a shard that is not there, or a tensor its shard lacks.
        let map = index["weight_map"] as! [String: String]
        for (name, edit, message) in [
            ("gone", { (m: inout [String: String]) in m["t9"] = "model-00009-of-00009.safetensors" }, "model-00009-of-00009.safetensors: no such file"),
            ("moved", { (m: inout [String: String]) in m["t0"] = "model-00002-of-00005.safetensors" }, "has no tensor t0"),
        ] {
            let dir = tmp.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for f in files.dropLast() { try FileManager.default.copyItem(at: tmp.appendingPathComponent(f), to: dir.appendingPathComponent(f)) }
            var m = map
            edit(&m)
            try JSONSerialization.data(withJSONObject: ["weight_map": m]).write(to: dir.appendingPathComponent("model.safetensors.index.json"))
            XCTAssertThrowsError(try SafetensorsCheckpoint(folder: dir.path), name) { XCTAssertTrue("\($0)".contains(message), "\(name): \($0)") }
        }
        XCTAssertThrowsError(try SafetensorsCheckpoint(folder: tmp.appendingPathComponent("gone/..").appendingPathComponent("nothing").path))
    }

    /// A file with the given header text and `dataBytes` zero bytes of data.
    func file(_ header: String, dataBytes: Int, in folder: URL, claimedLength: UInt64? = nil) throws -> String {
        var d = Data()
        let h = Data(header.utf8)
        withUnsafeBytes(of: (claimedLength ?? UInt64(h.count)).littleEndian) { d.append(contentsOf: $0) }
        d.append(h)
        d.append(Data(count: dataBytes))
        let path = folder.appendingPathComponent("\(UUID().uuidString).safetensors").path
        try d.write(to: URL(fileURLWithPath: path))
        return path
    }

    func testBrokenFilesAreRefusedWithTheirName() throws {
        let tmp = try TestPaths.temporaryFolder(self)
        let good = #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#
        XCTAssertNoThrow(try SafetensorsFile(path: file(good, dataBytes: 16, in: tmp)))
        let cases: [(String, Int, UInt64?, String)] = [
            (good, 8, nil, "tensor w ends at byte"),
            (good, 16, 1 << 40, "corrupt safetensors header: it claims 1099511627776 bytes"),
            ("not json at all", 0, nil, "not a JSON object"),
            (#"{"w":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}"#, 16, nil, "tensor w is stored as I64; this tool reads F32, F16 and BF16"),
            (#"{"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}"#, 2, nil, "stored as F8_E4M3"),
            (#"{"w":{"dtype":"F32","shape":[3,2],"data_offsets":[0,16]}}"#, 16, nil, "spans 16 bytes"),
            (#"{"w":{"dtype":"F32","shape":[2,2]}}"#, 16, nil, "lacks dtype, shape or data_offsets"),
            (#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, 16, nil, "overlap"),
        ]
        for (header, bytes, claimed, message) in cases {
            let path = try file(header, dataBytes: bytes, in: tmp, claimedLength: claimed)
            XCTAssertThrowsError(try SafetensorsFile(path: path), message) { error in
                XCTAssertTrue("\(error)".hasPrefix(path + ": "), "names the file: \(error)")
                XCTAssertTrue("\(error)".contains(message), "\(message) ← \(error)")
            }
        }
        let tiny = tmp.appendingPathComponent("tiny.safetensors")
        try Data([1, 2, 3]).write(to: tiny)
        XCTAssertThrowsError(try SafetensorsFile(path: tiny.path)) { XCTAssertTrue("\($0)".contains("only 3 bytes"), "\($0)") }
    }
}
