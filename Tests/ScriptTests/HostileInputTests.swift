import Foundation
import Pruning
import Script
import TestSupport
import XCTest

/// Scripts written to break the front end: deep nesting, steps too small to advance, numbers too large,
/// sweeps too large to plan, bytes that are not UTF-8, CRLF line ends, random damage. Each must give
/// located diagnostics quickly, never a crash.
final class HostileInputTests: XCTestCase {
    let tail = "model \"tiny.gguf\"\ncalibrate \"calib.txt\" samples 2 seqlen 16\n"

    /// The diagnostics for `text` and the seconds the check took.
    func timed(_ folder: ScriptFolder, _ text: String) throws -> ([Diagnostic], Double) {
        let start = Date()
        let got = try folder.diagnostics("hostile.prune", text)
        return (got, Date().timeIntervalSince(start))
    }

    func assertOne(_ got: [Diagnostic], _ line: Int, _ column: Int, _ message: String, file: StaticString = #filePath, line l: UInt = #line) {
        XCTAssertEqual(got.map { "\($0.location): \($0.message)" }, ["\(line):\(column): \(message)"], file: file, line: l)
    }

    func testDeepNestingIsRefusedAtTheFirstTooDeepLevel() throws {
        let folder = try ScriptFolder(self)
        let n = 100_000
        // The 65th `[` stands at column 8 + 64.
        var (got, seconds) = try timed(folder, "amount " + String(repeating: "[", count: n) + "0.5" + String(repeating: "]", count: n) + "\nscorer wanda\n" + tail)
        assertOne(got, 1, 72, "lists and calls nest more than 64 deep here")
        XCTAssertLessThan(seconds, 20)
        // Unclosed too: the parser gives up on the line without walking it twice.
        (got, seconds) = try timed(folder, "amount " + String(repeating: "[", count: n) + "\nscorer wanda\n" + tail)
        assertOne(got, 1, 72, "lists and calls nest more than 64 deep here")
        // `scorer a(b: a(b: ...`: each level is 5 characters, the first `(` at column 9.
        (got, seconds) = try timed(folder, "scorer " + String(repeating: "a(b: ", count: n) + "1" + String(repeating: ")", count: n) + "\namount 30%\n" + tail)
        assertOne(got, 1, 9 + 64 * 5, "lists and calls nest more than 64 deep here")
        XCTAssertLessThan(seconds, 20)
        // The line after a too-deep one is still checked.
        (got, _) = try timed(folder, "amount " + String(repeating: "[", count: 70) + "\npipeline serial\nscorer wanda\n" + tail)
        XCTAssertEqual(got.map { "\($0.location)" }, ["1:72", "2:10"])
    }

    func testSixtyFourLevelsAreStillAList() throws {
        let folder = try ScriptFolder(self)
        let text = "amount " + String(repeating: "[", count: 64) + "0.5, 10%" + String(repeating: "]", count: 64) + "\nscorer norm\nmodel \"tiny.gguf\"\n"
        let (e, _) = try Checker.check(try folder.write("deep.prune", text))
        XCTAssertEqual(e.amounts, [0.5, 0.1])
    }

    func testRangesAreCountedBeforeAnythingIsAllocated() throws {
        let folder = try ScriptFolder(self)
        let cases: [(String, String)] = [
            ("0...1 step 1e-300", "this range has 1e+300 values; at most 10000"),
            ("0...1 step 5e-324", "this range has too many values; at most 10000"),
            ("0...1e-300 step 1e-320", "this range has 1e+20 values; at most 10000"),
            ("-1e308...1e308 step 1", "this range has too many values; at most 10000"),
            ("0...0.5 step 0.0000152587890625", "this range has 32,769 values; at most 10000"),
            // 10,001 values, then exactly 10,000 (2⁻¹⁴ steps, exact in binary).
            ("0...0.6103515625 step 0.00006103515625", "this range has 10,001 values; at most 10000"),
            ("0...0.61029052734375 step 0.00006103515625", ""),
        ]
        for (range, message) in cases {
            let (got, seconds) = try timed(folder, "amount \(range)\nscorer wanda\n" + tail)
            if message.isEmpty {
                // Exactly at the cap: accepted.
                XCTAssertEqual(got.count, 0, "\(range): \(got)")
                continue
            }
            assertOne(got, 1, 8, message)
            XCTAssertLessThan(seconds, 5, range)
        }
    }

    func testHugeAndTinyNumbersAreLocated() throws {
        let folder = try ScriptFolder(self)
        var (got, _) = try timed(folder, "amount 1e400\nscorer wanda\n" + tail)
        assertOne(got, 1, 8, "number `1e400` is too large to represent")
        (got, _) = try timed(folder, "amount -1e400\nscorer wanda\n" + tail)
        assertOne(got, 1, 8, "number `-1e400` is too large to represent")
        (got, _) = try timed(folder, "amount 1e-400\nscorer wanda\n" + tail)
        assertOne(got, 1, 8, "number `1e-400` is too small to represent")
        (got, _) = try timed(folder, "amount 1e300\nscorer wanda\n" + tail)
        assertOne(got, 1, 8, "amount must lie in [0, 1), got 1e+300")
        (got, _) = try timed(folder, "amount 1e300%\nscorer wanda\n" + tail)
        assertOne(got, 1, 8, "amount must lie in [0, 1), got 1e+300%")
        (got, _) = try timed(folder, "model \"tiny.gguf\"\nscorer wanda\namount 30%\ncalibrate \"calib.txt\" seqlen 1e300\n")
        assertOne(got, 4, 30, "seqlen must be at most 1000000000, found 1e+300")
        (got, _) = try timed(folder, "model \"tiny.gguf\"\nscorer wanda\namount 30%\ncalibrate \"calib.txt\" samples 1e300...1e300 step 1\n")
        assertOne(got, 4, 31, "samples must be at most 1000000000, found 1e+300")
        (got, _) = try timed(folder, "model \"tiny.gguf\"\nscorer norm\namount 30%\nevaluate perplexity \"eval.txt\" windows 9223372036854775808\n")
        assertOne(got, 4, 40, "windows must be at most 1000000000, found 9.223372036854776e+18")
        (got, _) = try timed(folder, "scorer random(seed: 1e300)\namount 30%\n" + tail)
        assertOne(got, 1, 21, "random: seed must lie in [0, 1000000000000], got 1e+300")
        (got, _) = try timed(folder, "scorer norm(p: 1e308)\namount 30%\n" + tail)
        assertOne(got, 1, 16, "norm: p must lie in [1, 1000000], got 1e+308")
    }

    /// 2 models × 10 amounts × 2 pipelines × 5000 scorers × 2 pruners: refused from the lists' sizes.
    func testTooManyCellsAreRefusedBeforePlanning() throws {
        let folder = try ScriptFolder(self)
        try FileManager.default.copyItem(at: folder.url.appendingPathComponent("tiny.gguf"), to: folder.url.appendingPathComponent("tiny2.gguf"))
        let text = """
        model [\"tiny.gguf\", \"tiny2.gguf\"]
        calibrate \"calib.txt\" samples 2 seqlen 16
        amount 0.05...0.5 step 0.05
        pipeline [isolated, chained]
        scorer wpr(gamma: 0.0001...0.5 step 0.0001)
        pruner [local, global]

        """
        let (got, seconds) = try timed(folder, text)
        assertOne(got, 5, 1, "this sweep has 400,000 cells (2 models × 10 amounts × 2 pipelines × 5,000 scorers × 2 pruners); at most 100000")
        XCTAssertLessThan(seconds, 30)
        // One list too large on its own is refused where it is written, before it is built.
        let (alone, _) = try timed(folder, "scorer wpr(gamma: 0...1 step 0.001, theta: 0...1 step 0.001)\namount 30%\n" + tail)
        assertOne(alone, 1, 8, "`wpr(...)` gives 1,002,001 settings (1001 values of gamma × 1001 values of theta); a sweep has at most 100000 cells")
    }

    /// 1 model × 9 amounts × 2 pipelines × 5000 scorers = 90,000 cells: checked and planned in time
    /// linear in the cells (half the scorers take about half the time).
    func testAlmostTheLargestSweepPlansInLinearTime() throws {
        let folder = try ScriptFolder(self)
        func plan(_ last: String) throws -> (Int, Double) {
            let text = "amount 0.1...0.9 step 0.1\npipeline [isolated, chained]\nscorer wpr(gamma: 0.0001...\(last) step 0.0001)\n" + tail
            let start = Date()
            let (e, _) = try Checker.check(try folder.write("big.prune", text))
            let cells = Planner.cells(e).count
            return (cells, Date().timeIntervalSince(start))
        }
        let (half, halfSeconds) = try plan("0.25")
        let (full, fullSeconds) = try plan("0.5")
        XCTAssertEqual(half, 9 * 2 * 2500)
        XCTAssertEqual(full, 9 * 2 * 5000)
        XCTAssertLessThan(fullSeconds, 60)
        XCTAssertLessThan(fullSeconds, 4 * halfSeconds + 1, "planning grows faster than the cells")
    }

    func testInvalidUTF8IsLocatedAtItsFirstBadByte() throws {
        let folder = try ScriptFolder(self)
        var bytes = Data("model \"tiny.gguf\"\nscorer wanda\namount 3".utf8)
        bytes.append(contentsOf: [0xFF, 0xFE])
        bytes.append(contentsOf: Data("0%\n".utf8))
        let path = folder.url.appendingPathComponent("x.prune").path
        try bytes.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SourceFile.read(path)) { error in
            // One replacement character per bad byte: the caret stands under the first.
            XCTAssertEqual("\(error)", """
            \(path):3:9: error: invalid UTF-8 (byte 0xff)
                amount 3\u{FFFD}\u{FFFD}0%
                        ^
            help: save the script as UTF-8 text
            1 error in \(path)
            """)
        }
        // Columns count characters, not bytes: é is two bytes, → three, one column each.
        let located = { (bytes: [UInt8]) -> String in
            do { _ = try SourceFile.decode(path: "y.prune", Data(bytes)); return "no error" } catch let d as Diagnostics {
                return d.items.map { "\($0.location): \($0.message)" }.joined()
            } catch { return "\(error)" }
        }
        XCTAssertEqual(located(Array("# é→".utf8) + [0xC3, 0x28]), "1:5: invalid UTF-8 (byte 0xc3)")
        XCTAssertEqual(located(Array("a\n\nbc".utf8) + [0xE2, 0x82]), "3:3: invalid UTF-8 (bytes 0xe2 0x82)")
        XCTAssertEqual(located([0xEF, 0xBB, 0xBF] + Array("ab".utf8) + [0x80]), "1:3: invalid UTF-8 (byte 0x80)")
        // Overlong forms and surrogates are not UTF-8 either.
        XCTAssertEqual(located([0xC0, 0xAF]), "1:1: invalid UTF-8 (byte 0xc0)")
        XCTAssertEqual(located(Array("x".utf8) + [0xED, 0xA0, 0x80]), "1:2: invalid UTF-8 (byte 0xed)")
        XCTAssertEqual(located(Array("héllo".utf8)), "no error")
    }

    func testCRLFReadsExactlyLikeLF() throws {
        let folder = try ScriptFolder(self)
        let script = """
        \"\"\"
        # A study
        Some *prose*.
        \"\"\"
        model \"tiny.gguf\"   # a comment
        calibrate \"calib.txt\" samples 2 seqlen 16
        scorer [wpr(gamma: 0.5), norm]
        pipeline [isolated, chained]
        amount 0%...40% step 20%
        evaluate perplexity \"eval.txt\" seqlen 16 windows 2
        figure f: x amount, y perplexity, series scorer, title \"a \\\"title\\\"\", where pipeline chained
        report \"report.md\"

        """
        let (lf, _) = try Checker.check(try folder.write("lf.prune", script))
        let (crlf, _) = try Checker.check(try folder.write("crlf.prune", script.replacingOccurrences(of: "\n", with: "\r\n")))
        XCTAssertEqual(crlf.prose, ["# A study\nSome *prose*."])
        XCTAssertEqual(crlf.prose, lf.prose)
        XCTAssertEqual(crlf.models, lf.models)
        XCTAssertEqual(crlf.calibrations, lf.calibrations)
        XCTAssertEqual(crlf.scorers, lf.scorers)
        XCTAssertEqual(crlf.pipelines, lf.pipelines)
        XCTAssertEqual(crlf.amounts, [0, 0.2, 0.4])
        XCTAssertEqual(crlf.evaluations, lf.evaluations)
        XCTAssertEqual(crlf.figures, lf.figures)
        XCTAssertEqual(crlf.figures.first?.title, "a \"title\"")
        XCTAssertEqual(crlf.reports, lf.reports)
        XCTAssertEqual(Planner.cells(crlf), Planner.cells(lf))
        // Errors stand at the same line and column, with the same message.
        let bad = "model \"tiny.gguf\"\nscorer wpa\namount [30%, 1.5]\nfigure f: x amount,\n"
        let lfErrors = try folder.diagnostics("bad-lf.prune", bad).sorted()
        let crlfErrors = try folder.diagnostics("bad-crlf.prune", bad.replacingOccurrences(of: "\n", with: "\r\n")).sorted()
        XCTAssertEqual(lfErrors.map { "\($0.location): \($0.message)" },
                       ["2:8: unknown scorer `wpa`", "3:14: amount must lie in [0, 1), got 1.5", "4:19: `figure` ends with a comma"])
        XCTAssertEqual(crlfErrors, lfErrors)
    }

    /// The caret stands where the error's subject says, whatever its message says: the bad item of a
    /// swept parameter, a mistyped value, an unknown name, the module whose inputs do not fit, the
    /// second place of a module named twice.
    func testCaretsFollowTheErrorsSubject() throws {
        let folder = try ScriptFolder(self)
        let text = """
        model "tiny.gguf"
        calibrate "calib.txt" samples 2 seqlen 16
        scorer [wpr(theta: 0.5, gamma: [0.5, 1.5]), mpr(amount: 0.3, z_importance: 3), random(seed: 2.5), norm(q: 1)]
        structure model.layers: [mlp.up_proj -> mlp.gate_proj, mlp.down_proj -> mlp.up_proj -> mlp.down_proj]
        amount 30%
        structure model.blocks: mlp.up_proj

        """
        let got = try folder.diagnostics("carets.prune", text)
        XCTAssertEqual(got.sorted().map { "\($0.location)" }, ["3:38", "3:76", "3:93", "3:104", "4:41", "4:88", "6:1"])
        XCTAssertEqual(got.sorted().map(\.message), [
            "wpr: gamma must lie in [0, 1], got 1.5",
            "mpr: z_importance must be true or false, got 3",
            "random: seed must be a whole number, got 2.5",
            "norm has no parameter q; it takes: p",
            "pipeline chained: model.layers.0.mlp.gate_proj takes 64 inputs but model.layers.0.mlp.up_proj before it has 96 outputs",
            "module `mlp.down_proj` appears twice in the chain",
            "`structure` is given twice (first on line 4) with no figure, table or {{ }} reference between",
        ])
        // Rendered: the caret under the list item, not under the whole list or the parameter's name.
        let path = folder.url.appendingPathComponent("gamma.prune").path
        do {
            _ = try Checker.check(try folder.write("gamma.prune", "scorer wpr(gamma: [0.5, 150%])\namount 30%\n" + tail))
            XCTFail("no error")
        } catch let d as Diagnostics {
            XCTAssertEqual(d.description, """
            \(path):1:25: error: wpr: gamma must lie in [0, 1], got 1.5
                scorer wpr(gamma: [0.5, 150%])
                                        ^~~~
            1 error in \(path)
            """)
        }
        let blocks = try folder.diagnostics("blocks.prune", "structure model.blocks: mlp.up_proj\nscorer wanda\namount 30%\n" + tail)
        XCTAssertEqual(blocks.map { "\($0.location): \($0.message)" }, ["1:11: the model has no block list `model.blocks`; it has: model.layers"])
    }

    /// Random damage to a valid script: every result is a checked experiment or diagnostics that stand
    /// inside the text (a line that exists, a column at most one past its end).
    func testDamagedScriptsAreAcceptedOrLocated() throws {
        let folder = try ScriptFolder(self)
        let valid = Array("""
        \"\"\"
        # Title
        \"\"\"
        model "tiny.gguf"
        calibrate "calib.txt" samples 2 seqlen 16 seed [1, 2]
        structure model.layers: mlp.up_proj -> mlp.down_proj
        scorer [wpr(gamma: 0.5, theta: 0...1 step 0.5), norm(p: 2), random(seed: 3)]
        pruner [local, global(balance: width)]
        amount 0%...50% step 10%
        evaluate perplexity "eval.txt" seqlen 16 windows 2
        figure f: x amount, y perplexity, series scorer, log y, where pipeline chained
        report "report.md"

        """.utf8)
        let pieces: [[UInt8]] = ["[", "]", "(", ")", ",", ",,", ":", ".", "...", "-", "->", "%", "\"", "\\", "#", "\r", "\r\n", "\n", "\"\"\"",
                                 "e", "1e400", "0", "9", " ", "\t", "step", "where", "x", "é", "\u{0}", "\u{FEFF}"].map { Array($0.utf8) }
            + [[0xFF], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]]
        var rng = SeededRandom(seed: 11)
        let path = folder.url.appendingPathComponent("damaged.prune").path
        var accepted = 0
        for _ in 0..<1000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0...bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes.insert(contentsOf: pieces.randomElement(using: &rng)!, at: at)
                case 1: if at < bytes.count { bytes.remove(at: at) }
                default: if at < bytes.count { bytes.replaceSubrange(at..<(at + 1), with: pieces.randomElement(using: &rng)!) }
                }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                _ = try Checker.check(try SourceFile.read(path))
                accepted += 1
            } catch let d as Diagnostics {
                XCTAssertFalse(d.items.isEmpty)
                for item in d.items {
                    let lines = d.source.lines
                    XCTAssertTrue(item.location.line >= 1 && item.location.line <= max(1, lines.count), "\(item) in \(String(decoding: bytes, as: UTF8.self))")
                    let length = item.location.line <= lines.count ? lines[item.location.line - 1].count : 0
                    XCTAssertTrue(item.location.column >= 1 && item.location.column <= length + 1, "\(item) in \(String(decoding: bytes, as: UTF8.self))")
                    XCTAssertFalse(item.message.isEmpty)
                }
            }
        }
        // Some damage is harmless (a space, a comment): the valid script is not refused wholesale.
        XCTAssertGreaterThan(accepted, 0)
    }
}
