import Foundation
@testable import Reporting
@testable import Script
import TestSupport
import XCTest

/// gnuplot itself draws figures with every paper setting: it must exit 0 and write each file. Without
/// gnuplot the test is skipped, except under CI=true, where it fails.
final class FigureRenderTests: XCTestCase {
    func size(_ dir: URL, _ file: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(file).path))?[.size] as? Int) ?? 0
    }

    /// A PNG's width and height, from its IHDR chunk (bytes 16–23, big-endian).
    func pngSize(_ url: URL) throws -> (Int, Int) {
        let b = Array(try Data(contentsOf: url).prefix(24))
        XCTAssertEqual(Array(b.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        func be(_ i: Int) -> Int { b[i..<i + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16), be(20))
    }

    func testEveryPaperSettingRenders() throws {
        try requireGnuplot()
        let dir = try TestPaths.temporaryFolder(self)
        // Lines: size, font, key, dpi, latex, error bars, a LaTeX-hostile title, three wpr shades.
        var f = FigureSpec.paperColumn("paper")
        f.key = "top left"
        f.dpi = 300
        f.latex = true
        f.title = "ppl_ratio & 50% #1"
        let names = ["wpr(gamma: 0.1)", "wpr(gamma: 0.5)", "wpr(gamma: 0.9)", "wanda", "norm"]
        let series = names.enumerated().map { i, n in
            FigureData.Series(name: n, points: [(0, 10), (0.3, 20 + Double(i)), (0.5, 40 + 3 * Double(i))],
                              intervals: i == 0 ? [nil, .init(low: 18, high: 22), .init(low: 35, high: 45)] : [])
        }
        let data = FigureData(series: series, baseline: 10, xLabel: "share of FFN rows pruned", yLabel: "perplexity")
        XCTAssertNil(try GnuplotFigure(spec: f, data: data).write(to: dir))
        for ext in ["png", "svg", "gp", "dat", "tex", "pdf"] { XCTAssertGreaterThan(size(dir, "paper.\(ext)"), 100, ext) }
        // 3.4in × 2.4in at 300 dpi: six entries of 15 characters (boxed 27 × 0.7 × 9 = 170.1 points wide)
        // leave the corner (half the plot is 77.4) for one column below, still one at 6.3pt (bare entries
        // of 23 × 0.7 × 6.3 = 101.43 > 154.8 / 2); 6 rows and a blank one of 7.875 points are 55.125,
        // 44.325 more than the key's 10.8 (FigureStyleTests works the rule), so the canvas grows to
        // 217.125 points: 3.015625in, 904.7 → 905 pixels.
        let (w, h) = try pngSize(dir.appendingPathComponent("paper.png"))
        XCTAssertEqual(w, 1020)
        XCTAssertEqual(h, 905)
        let tex = try String(contentsOf: dir.appendingPathComponent("paper.tex"), encoding: .utf8)
        XCTAssertTrue(tex.contains("ppl\\_ratio \\& 50\\% \\#1"), tex)
        XCTAssertTrue(tex.contains("\\includegraphics{paper}") || tex.contains("{paper}"), tex)

        // Bars with error bars over parameters stored, in centimetres, the key outside; a heatmap with LaTeX.
        f = FigureSpec(name: "bars")
        f.kind = "bars"
        f.x = "params_stored"
        f.width = 8.6 / 2.54
        f.height = 6 / 2.54
        f.key = "outside"
        XCTAssertNil(try GnuplotFigure(spec: f, data: data).write(to: dir))
        XCTAssertGreaterThan(size(dir, "bars.png"), 100)
        var hm = FigureSpec(name: "heat")
        hm.kind = "heatmap"
        hm.latex = true
        hm.font = "Times,9"
        let cells: [FigureData.Series] = (0..<6).map { (c: Int) in
            let points: [(x: Double, y: Double)] = (0..<30).map { (layer: Int) in (Double(layer), Double(1536 - 20 * c - (layer * 7) % 300)) }
            return FigureData.Series(name: "wpr_\(c) @ 0.3", points: points)
        }
        XCTAssertNil(try GnuplotFigure(spec: hm, data: FigureData(series: cells, baseline: nil, xLabel: "layer", yLabel: "mlp.up_proj rows kept")).write(to: dir))
        for ext in ["png", "svg", "tex", "pdf"] { XCTAssertGreaterThan(size(dir, "heat.\(ext)"), 100, ext) }
    }

    /// Twelve long names: the key goes below in one column at 6.3pt and the PNG grows to 1102 pixels tall
    /// (FigureStyleTests works the numbers), and gnuplot draws it.
    func testManyLongSeriesRender() throws {
        try requireGnuplot()
        let dir = try TestPaths.temporaryFolder(self)
        var f = FigureSpec.paperColumn("many")
        f.dpi = 300
        let series = (0..<12).map { i in
            FigureData.Series(name: String(format: "wpr(gamma: 0.%02d, theta: 0.5) global %03d", i, i), points: [(0.1, 10 + Double(i)), (0.3, 20 + 2 * Double(i))])
        }
        XCTAssertNil(try GnuplotFigure(spec: f, data: FigureData(series: series, baseline: nil, xLabel: "x", yLabel: "y")).write(to: dir))
        let (w, h) = try pngSize(dir.appendingPathComponent("many.png"))
        XCTAssertEqual(w, 1020)
        XCTAssertEqual(h, 1102)
    }
}
