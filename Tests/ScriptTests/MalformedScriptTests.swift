import Foundation
import Script
import TestSupport
import XCTest

/// Every script in Scripts/ is malformed on purpose and states, in `# expect: LINE:COL: message` lines,
/// every diagnostic the checker must give (the message is matched as a substring). One runner reads them.
final class MalformedScriptTests: XCTestCase {
    func testEveryMalformedScriptGivesItsDiagnostics() throws {
        let folder = try XCTUnwrap(Bundle.module.url(forResource: "Scripts", withExtension: nil))
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".prune") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 98)
        let scripts = try ScriptFolder(self)
        for name in names {
            // Read as bytes: some scripts are not UTF-8 or end their lines with CRLF, on purpose.
            let bytes = try Data(contentsOf: folder.appendingPathComponent(name))
            let text = String(decoding: bytes, as: UTF8.self)
            let expected: [(line: Int, column: Int, message: String)] = text.unicodeScalars.split(separator: "\n").compactMap { scalars in
                var line = Substring(String(String.UnicodeScalarView(scalars)))
                if line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
                if line.hasSuffix("\r") { line = line.dropLast() }
                guard line.hasPrefix("# expect: ") else { return nil }
                let parts = line.dropFirst("# expect: ".count).split(separator: ":", maxSplits: 2)
                guard parts.count == 3, let l = Int(parts[0]), let c = Int(parts[1]) else { return nil }
                return (l, c, parts[2].trimmingCharacters(in: .whitespaces))
            }
            XCTAssertFalse(expected.isEmpty, "\(name) states no expectation")
            let got = try scripts.diagnostics(name, bytes: bytes)
            XCTAssertEqual(got.count, expected.count, "\(name): got \(got.map { "\($0.location): \($0.message)" })")
            for e in expected {
                XCTAssertTrue(got.contains { $0.location.line == e.line && $0.location.column == e.column && $0.message.contains(e.message) },
                              "\(name): expected \(e.line):\(e.column): \(e.message); got \(got.map { "\($0.location): \($0.message)" })")
            }
        }
    }

    func testRenderingShowsTheLineAndACaret() throws {
        let scripts = try ScriptFolder(self)
        let text = "model \"tiny.gguf\"\nscorer wpa(gamma: 0.5)\namount 30%\n"
        do {
            _ = try Checker.check(try scripts.write("typo.prune", text))
            XCTFail("no error")
        } catch let d as Diagnostics {
            let path = scripts.url.appendingPathComponent("typo.prune").path
            XCTAssertEqual(d.description, """
            \(path):2:8: error: unknown scorer `wpa`
                scorer wpa(gamma: 0.5)
                       ^~~
            help: did you mean `wpr`?
            1 error in \(path)
            """)
        }
    }
}
