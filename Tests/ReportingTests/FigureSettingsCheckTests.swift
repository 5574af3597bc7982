import Foundation
@testable import Reporting
@testable import Script
import TestSupport
import XCTest

/// The checker reads every paper setting of a figure into its FigureSpec (the malformed scripts in
/// ScriptTests/Scripts/figure_*.prune test the located errors), and docs/language.md's examples check.
final class FigureSettingsCheckTests: XCTestCase {
    func testCheckerReadsPaperSettings() throws {
        let dir = try TestPaths.temporaryFolder(self)
        try TinyLlama(seed: 41).write(to: dir.appendingPathComponent("tiny.gguf").path)
        try String(repeating: "abcdefgh ", count: 40).write(to: dir.appendingPathComponent("calib.txt"), atomically: true, encoding: .utf8)
        let text = """
        model "tiny.gguf"
        calibrate "calib.txt" samples 2 seqlen 16
        scorer wanda
        amount 30%
        figure paper: x params_stored, size 8.6cm x 6cm, font "Times,9", key bottom left, dpi 300, latex true
        figure widths: kind heatmap, size 3.4in x 2.4in, key off, font ",8"
        figure plain: y perplexity
        figure ppl_paper: x amount, y ppl_ratio, series scorer, size 3.4in x 2.4in, font "Times,9", key top left, dpi 300, latex true
        figure doc_widths: kind heatmap, series scorer, size 8.6cm x 6cm, font ",8"
        figure by_size: x params_stored, y perplexity, series scorer, key off

        """
        let path = dir.appendingPathComponent("s.prune").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let (experiment, _) = try Checker.check(SourceFile(path: path, text: text))
        let figures = Dictionary(uniqueKeysWithValues: experiment.figures.map { ($0.name, $0) })
        let paper = try XCTUnwrap(figures["paper"])
        XCTAssertEqual(paper.x, "params_stored")
        // 8.6cm / 2.54 = 3.3858in, 6cm / 2.54 = 2.3622in.
        XCTAssertEqual(paper.width ?? 0, 3.3858, accuracy: 1e-4)
        XCTAssertEqual(paper.height ?? 0, 2.3622, accuracy: 1e-4)
        XCTAssertEqual(paper.font, "Times,9")
        XCTAssertEqual(paper.key, "bottom left")
        XCTAssertEqual(paper.dpi, 300)
        XCTAssertTrue(paper.latex)
        let widths = try XCTUnwrap(figures["widths"])
        XCTAssertEqual(widths.kind, "heatmap")
        XCTAssertEqual(widths.width, 3.4)
        XCTAssertEqual(widths.height, 2.4)
        XCTAssertEqual(widths.key, "off")
        XCTAssertEqual(widths.font, ",8")
        // Unset settings keep their defaults: 6in × 4in (nil), key outside, 150 dpi, no LaTeX.
        let plain = try XCTUnwrap(figures["plain"])
        XCTAssertNil(plain.width)
        XCTAssertNil(plain.font)
        XCTAssertEqual(plain.key, "outside")
        XCTAssertEqual(plain.dpi, 150)
        XCTAssertFalse(plain.latex)
        XCTAssertEqual(experiment.figures.count, 6)
    }
}
