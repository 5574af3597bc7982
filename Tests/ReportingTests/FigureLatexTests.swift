import Foundation
@testable import Reporting
@testable import Script
import TestSupport
import XCTest

/// The cairolatex output goes into a real LaTeX document: escaped titles, labels and series names must
/// compile. Needs gnuplot and pdflatex (setup installs both); under CI=true a missing one fails.
final class FigureLatexTests: XCTestCase {
    func testLatexOutputCompilesInAPaper() throws {
        try requireGnuplot()
        let dir = try TestPaths.temporaryFolder(self)
        var f = FigureSpec.paperColumn("fig_one")
        f.latex = true
        f.title = "ppl_ratio & 50% #1 {$x$} ~ ^ \\"
        let names = ["wpr(gamma: 0.5)", "mlp.up_proj -> mlp.down_proj", "a_b & c"]
        let series = names.map { FigureData.Series(name: $0, points: [(0, 10), (0.3, 20)]) }
        XCTAssertNil(try GnuplotFigure(spec: f, data: FigureData(series: series, baseline: 10, xLabel: "share of FFN rows pruned", yLabel: "perplexity")).write(to: dir))
        var hm = FigureSpec(name: "heat_map")
        hm.kind = "heatmap"
        hm.latex = true
        let cells = names.map { FigureData.Series(name: $0 + " @ 0.3", points: [(0, 1000), (1, 900)]) }
        XCTAssertNil(try GnuplotFigure(spec: hm, data: FigureData(series: cells, baseline: nil, xLabel: "layer", yLabel: "mlp.up_proj rows kept")).write(to: dir))
        let paper = "\\documentclass{article}\n\\usepackage{graphicx}\n\\usepackage{color}\n\\begin{document}\n"
            + "\\input{fig_one.tex}\n\n\\input{heat_map.tex}\n\\end{document}\n"
        let (status, log) = try LaTeX.compile(paper, in: dir)
        XCTAssertEqual(status, 0, log)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("paper.pdf").path))
    }
}
