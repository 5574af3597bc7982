import Foundation
@testable import Reporting
@testable import Script
import XCTest

/// A paper's figure: its size and font in every format, distinct colours, a key that leaves the plot
/// its room, and labels LaTeX can set. Every expectation is worked by hand in the comments.
final class FigureStyleTests: XCTestCase {
    /// Hue in degrees of `#RRGGBB`, written here independently of Colour.
    func hue(_ hex: String) -> Double {
        let v = Int(hex.dropFirst(), radix: 16)!
        let r = Double(v >> 16) / 255, g = Double((v >> 8) & 255) / 255, b = Double(v & 255) / 255
        let hi = max(r, g, b), lo = min(r, g, b)
        let h = hi == r ? (g - b) / (hi - lo) : hi == g ? 2 + (b - r) / (hi - lo) : 4 + (r - g) / (hi - lo)
        return (h * 60 + 360).truncatingRemainder(dividingBy: 360)
    }

    func testSizeFontAndDpiReachEveryTerminal() {
        var f = FigureSpec.paperColumn("p")
        f.dpi = 300
        let c = FigureCanvas(f)
        // 3.4in × 300 = 1020 px, 2.4in × 300 = 720 px; 300 / 72 = 4.1667 scales pngcairo's 72-dpi points.
        XCTAssertEqual(c.png(), "set terminal pngcairo size 1020,720 enhanced font 'Times,9' fontscale 4.167 linewidth 4.167 pointscale 4.167")
        // SVG units are points: 3.4 × 72 = 244.8 → 245, 2.4 × 72 = 172.8 → 173.
        XCTAssertEqual(c.svg(), "set terminal svg size 245,173 enhanced font 'Times,9' linewidth 1")
        XCTAssertEqual(c.pdf(), "set terminal pdfcairo size 3.4in,2.4in enhanced font 'Times,9' fontscale 1 linewidth 2")
        // LaTeX sets the text at the planned 9pt on lines 10.8pt apart.
        XCTAssertEqual(c.latex(), "set terminal cairolatex pdf size 3.4in,2.4in font ',9' fontscale 1 linewidth 2 header '\\fontsize{9}{10.8}\\selectfont'")
        // Without settings: 6in × 4in at 150 dpi is 900 × 600 px, Sans at 10 points.
        let d = FigureCanvas(FigureSpec(name: "d"))
        XCTAssertEqual(d.png(), "set terminal pngcairo size 900,600 enhanced font 'Sans,10' fontscale 2.083 linewidth 2.083 pointscale 2.083")
        // A face alone keeps 10 points; a size alone keeps Sans.
        f.font = "Helvetica"
        XCTAssertEqual(FigureCanvas(f).font, "Helvetica,10")
        f.font = ",8"
        XCTAssertEqual(FigureCanvas(f).font, "Sans,8")
    }

    /// The brief's case: three gamma variants of wpr, wanda and norm get five colours; the wpr ones stay
    /// near wpr's hue. #0072B2 is (0, 114, 178): blue is largest, hue = 60 × (4 + (0 − 114) / 178) = 201.57°.
    func testVariantsAreShadesOfTheirScorerAndNoColourRepeats() {
        let names = ["wpr(gamma: 0.1)", "wpr(gamma: 0.5)", "wpr(gamma: 0.9)", "wanda", "norm"]
        let styles = Palette.styles(names)
        XCTAssertEqual(Set(styles.map(\.colour)).count, 5, "\(styles)")
        for s in styles.prefix(3) {
            XCTAssertEqual(hue(s.colour), 201.57, accuracy: 4, s.colour)
        }
        XCTAssertEqual(Set(styles.prefix(3).map(\.dash)).count, 3)
        // A scorer alone in its family keeps its own colour, solid.
        XCTAssertEqual(styles[3], Palette.Style(colour: "#D55E00", dash: 1))
        XCTAssertEqual(styles[4], Palette.Style(colour: "#CC79A7", dash: 1))
        // wpr and the local pruner share a base colour; in one figure they still differ.
        XCTAssertNotEqual(Palette.colour("wpr", among: ["wpr", "local"]), Palette.colour("local", among: ["wpr", "local"]))
        // Twelve series of no fixed colour: the eight of the cycle, then four more, all different.
        let thetas = (0..<12).map { "theta \(Double($0) / 11)" }
        XCTAssertEqual(Set(Palette.styles(thetas).map(\.colour)).count, 12)
    }

    /// FigureKey's rule worked by hand. At 3.4in × 2.4in and 9pt the canvas is 244.8 × 172.8 points, the
    /// plot 244.8 − 90 = 154.8 wide, the room for plot and key 172.8 − 90 = 82.8 tall, of which the plot
    /// keeps max(0.6 × 82.8, 72) = 72, leaving the key 10.8.
    func testKeyOfManyLongNamesGoesBelowAndNeverSqueezesThePlot() {
        let long = (0..<12).map { String(format: "wpr(gamma: 0.%02d, theta: 0.5) global %03d", $0, $0) }
        XCTAssertEqual(long[0].count, 39)
        // A boxed entry is 51 × 0.7 × 9 = 321.3 > 244.8 / 3, so not outside: below, where an entry is
        // 47 × 0.7 f: one column at every size (154.8 holds no entry of 296.1, 266.49, 236.88 or 207.27);
        // 12 rows and a blank one at 0.7 × 9 = 6.3pt are 13 × 7.875 = 102.375 > 10.8, so the canvas grows
        // by 102.375 − 10.8: 264.375 / 72 = 3.671875in.
        let small = FigureKey.layout("outside", names: long, width: 3.4, height: 2.4, points: 9)
        XCTAssertEqual(small.place, .below(columns: 1))
        XCTAssertEqual(small.points ?? 0, 6.3, accuracy: 1e-9)
        XCTAssertEqual(small.height, 3.671875, accuracy: 1e-9)
        XCTAssertEqual(small.gnuplot, "set key below center horizontal maxcols 1 reverse Left nobox height 1 font ',6.3'")
        // Twelve names of 9 characters: boxed entries of 21 × 0.7 f, bare ones of 17 × 0.7 f.
        let short = (1...12).map { String(format: "seed %04d", $0) }
        // Same canvas: 132.3 > 81.6, so below; one column down to 7.2pt (154.8 / 85.68 = 1.8), two at 6.3pt
        // (154.8 / 74.97 = 2.06) of 6 rows and a blank one, 55.125 > 10.8: the canvas grows to
        // 172.8 + 55.125 − 10.8 = 217.125 points, 3.015625in.
        let shortSmall = FigureKey.layout("outside", names: short, width: 3.4, height: 2.4, points: 9)
        XCTAssertEqual(shortSmall.place, .below(columns: 2))
        XCTAssertEqual(shortSmall.points ?? 0, 6.3, accuracy: 1e-9)
        XCTAssertEqual(shortSmall.height, 3.015625, accuracy: 1e-9)
        // 6in × 4in at 10pt: 432 × 288, plot 332 wide, room 188, the key's share 188 − 112.8 = 75.2.
        // Outside does not fit (147 > 144), nor top left (rows 150 > 94); below, two columns (332 / 119 = 2.79)
        // of 6 rows and a blank one need 87.5 > 75.2 at 10pt; at 9pt three columns (332 / 107.1 = 3.1) of 4
        // rows and a blank one need 56.25 ≤ 75.2: the figure's height.
        XCTAssertEqual(FigureKey.layout("outside", names: short, width: 6, height: 4, points: 10),
                       FigureKey(place: .below(columns: 3), points: 9, height: 4))
        XCTAssertEqual(FigureKey.layout("top left", names: short, width: 6, height: 4, points: 10),
                       FigureKey(place: .below(columns: 3), points: 9, height: 4))
        // Three short names fit where asked on a 6in × 4in canvas at 9pt: entry (5 + 12) × 6.3 = 107.1
        // ≤ 144 and ≤ (432 − 90) / 2; rows 33.75.
        let few = ["wanda", "norm", "dense"]
        XCTAssertEqual(FigureKey.layout("outside", names: few, width: 6, height: 4, points: 9).place, .outside)
        XCTAssertEqual(FigureKey.layout("top left", names: few, width: 6, height: 4, points: 9).place, .inside("top left"))
        XCTAssertEqual(FigureKey.layout("off", names: long, width: 3.4, height: 2.4, points: 9), FigureKey(place: .off, points: nil, height: 2.4))
    }

    /// The figure's script carries the grown canvas and the key's line.
    func testScriptUsesTheKeyRule() {
        var f = FigureSpec.paperColumn("many")
        f.dpi = 300
        let series = (0..<12).map { FigureData.Series(name: String(format: "wpr(gamma: 0.%02d, theta: 0.5) global %03d", $0, $0), points: [(0.1, 1), (0.3, 2)]) }
        let gp = GnuplotFigure(spec: f, data: FigureData(series: series, baseline: nil, xLabel: "x", yLabel: "y")).script()
        // 3.671875in × 300 = 1101.5625 → 1102 px.
        XCTAssertTrue(gp.contains("set terminal pngcairo size 1020,1102 "), gp)
        XCTAssertTrue(gp.contains("set key below center horizontal maxcols 1 reverse Left nobox height 1 font ',6.3'"), gp)
    }

    func testLatexOutputEscapesItsText() {
        XCTAssertEqual(LatexText.escaped("wpr_gamma 50% & #1"), "wpr\\_gamma 50\\% \\& \\#1")
        XCTAssertEqual(LatexText.escaped("a -> b {x}"), "a -\\textgreater{} b \\{x\\}")
        XCTAssertEqual(LatexText.quoted("it's"), "'it''s'")
        var f = FigureSpec(name: "tex")
        f.title = "rows_kept & 30%"
        f.latex = true
        f.series = "scorer"
        let data = FigureData(series: [.init(name: "wpr(gamma: 0.5)", points: [(0.3, 12)])], baseline: 10, xLabel: "share of FFN rows pruned", yLabel: "perplexity")
        let gp = GnuplotFigure(spec: f, data: data).script()
        let latex = gp.components(separatedBy: "set output 'tex.tex'")
        XCTAssertEqual(latex.count, 2, gp)
        // Before: plain text for PNG and SVG; after: the cairolatex terminal and escaped text.
        XCTAssertTrue(latex[0].contains("set title \"rows_kept & 30%\" noenhanced"), gp)
        XCTAssertTrue(latex[0].contains("set format x '%.0f%%'"), gp)
        XCTAssertTrue(latex[0].contains("set terminal cairolatex pdf size 6in,4in font ',10' fontscale 1 linewidth 2"), gp)
        XCTAssertTrue(latex[1].contains("set title 'rows\\_kept \\& 30\\%' noenhanced"), gp)
        XCTAssertTrue(latex[1].contains("set format x '%.0f\\%%'"), gp)
        XCTAssertTrue(latex[1].contains("title 'wpr(gamma: 0.5)' noenhanced with linespoints"), gp)
        XCTAssertTrue(latex[1].hasSuffix("unset output\n"))
        XCTAssertFalse(gp.contains("pdfcairo"))
        // A key shrunk to 6.3pt (twelve long names at 3.4in, as above) is shrunk in LaTeX too, per entry.
        f.width = 3.4
        f.height = 2.4
        f.font = "Times,9"
        let many = (0..<12).map { FigureData.Series(name: String(format: "wpr_%02d, theta: 0.5 & more text to be long", $0), points: [(0.1, 1)]) }
        let shrunk = GnuplotFigure(spec: f, data: FigureData(series: many, baseline: 10, xLabel: "x", yLabel: "y")).script()
        XCTAssertTrue(shrunk.contains("title '\\fontsize{6.3}{7.56}\\selectfont wpr\\_00, theta: 0.5 \\& more text to be long' noenhanced"), shrunk)
        XCTAssertTrue(shrunk.contains("title '\\fontsize{6.3}{7.56}\\selectfont dense' with lines"), shrunk)
        XCTAssertTrue(shrunk.contains("title \"wpr_00, theta: 0.5 & more text to be long\" noenhanced"), shrunk)
    }
}
