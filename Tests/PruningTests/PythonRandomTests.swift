import Evaluation
import Foundation
@testable import Pruning
import XCTest

/// The Swift port against CPython's own outputs (Fixtures/python_random.json, made by
/// Fixtures/make_python_random.py).
final class PythonRandomTests: XCTestCase {
    struct Case: Decodable {
        let seed: UInt64
        let getrandbits32: [UInt64]
        let getrandbits_small: [UInt64]
        let getrandbits_wide: [String]
        let randint_big: [Int]
        let randint_zero: [Int]
        let randint_3_10: [Int]
        let random: [Double]
    }

    func testMatchesCPython() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "python_random", withExtension: "json", subdirectory: "Fixtures"))
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
        XCTAssertEqual(cases.count, 5)
        for c in cases {
            var r = PythonRandom(seed: c.seed)
            XCTAssertEqual((0..<5).map { _ in r.getrandbits(32) }, c.getrandbits32, "seed \(c.seed)")
            XCTAssertEqual([1, 3, 7, 20, 31].map { r.getrandbits($0) }, c.getrandbits_small, "seed \(c.seed)")
            XCTAssertEqual([33, 64].map { String(r.getrandbits($0)) }, c.getrandbits_wide, "seed \(c.seed)")
            XCTAssertEqual((0..<5).map { _ in r.randint(0, 791_106 - 512 - 1) }, c.randint_big, "seed \(c.seed)")
            XCTAssertEqual((0..<5).map { _ in r.randint(0, 0) }, c.randint_zero, "seed \(c.seed)")
            XCTAssertEqual((0..<5).map { _ in r.randint(3, 10) }, c.randint_3_10, "seed \(c.seed)")
            XCTAssertEqual((0..<5).map { _ in r.random() }, c.random, "seed \(c.seed)")
        }
    }
}
