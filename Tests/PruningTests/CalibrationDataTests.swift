import Foundation
@testable import Pruning
import TestSupport
import Tokenizers
import XCTest

/// Calibration sampling from JSON-lines documents against CPython running the reference loop
/// (Fixtures/make_calibration_fixture.py), and the refusals of unusable calibration data.
final class CalibrationDataTests: XCTestCase {
    /// One token per printable ASCII character, id = scalar − 33 (the fixture's tokenizer).
    let characters = try! ByteLevelBPETokenizer(vocabulary: (33...126).map { String(UnicodeScalar(UInt8($0))) }, merges: [],
                                                specialIDs: [], bosID: nil, eosID: nil, addsBOS: false)

    func fixture(_ name: String) throws -> URL {
        try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
    }

    func testJSONLinesSamplingMatchesCPython() throws {
        struct Expected: Decodable {
            let seed: Int, samples: Int, seqlen: Int
            let windows: [[Int32]]
        }
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: fixture("docs_windows.json")))
        let spec = CalibrationSpec(path: try fixture("docs.jsonl").path, samples: expected.samples, seqlen: expected.seqlen, seed: expected.seed)
        XCTAssertEqual(spec.kind, .jsonLines)
        XCTAssertEqual(try CalibrationData.windows(spec, tokenizer: characters), expected.windows)
    }

    func testUnusableCalibrationDataIsRefused() throws {
        let dir = try TestPaths.temporaryFolder(self)
        func write(_ name: String, _ text: String) throws -> String {
            let p = dir.appendingPathComponent(name).path
            try text.write(toFile: p, atomically: true, encoding: .utf8)
            return p
        }
        let short = try write("short.txt", "abcdef")
        XCTAssertThrowsError(try CalibrationData.windows(CalibrationSpec(path: short, seqlen: 16), tokenizer: characters)) {
            XCTAssertEqual("\($0)", "\(short): no document has more than 16 tokens (seqlen); use a longer text or a smaller seqlen")
        }
        let bad = try write("bad.jsonl", "{\"text\": \"abc\"}\nnot json\n")
        XCTAssertThrowsError(try CalibrationData.windows(CalibrationSpec(path: bad, seqlen: 2), tokenizer: characters)) {
            XCTAssertEqual("\($0)", "\(bad): line 2 is not a JSON object with a \"text\" string")
        }
        let windows = try write("w.json", "[[1, 2, 3], [4, 500]]")
        XCTAssertThrowsError(try CalibrationData.windows(CalibrationSpec(path: windows), tokenizer: characters)) {
            XCTAssertEqual("\($0)", "\(windows): token id 500 is outside the vocabulary of 94")
        }
        XCTAssertThrowsError(try CalibrationData.windows(CalibrationSpec(path: short, samples: 0), tokenizer: characters)) {
            XCTAssertEqual("\($0)", "calibration samples must be at least 1, got 0")
        }
    }
}
