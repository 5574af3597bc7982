import Foundation
@testable import Reporting
@testable import Script
import TestSupport
import XCTest

/// The cairolatex output goes into a real LaTeX document: escaped titles, labels and series names must
/// compile. Needs gnuplot and pdflatex; skipped without pdflatex (setup does not install TeX), and under
/// CI=true a missing gnuplot fails as in FigureRenderTests.
final class FigureLatexTests: XCTestCase {
    func executable(_ name: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func testLatexOutputCompilesInAPaper() throws {
        guard GnuplotFigure.gnuplot != nil else { throw TestPaths.missing("gnuplot is not installed (apt-get install gnuplot-nox)") }
        guard let pdflatex = executable("pdflatex") else { throw XCTSkip("pdflatex is not installed") }
        let dir = try TestPaths.temporaryFolder(self)
        var f = FigureSpec(name: "fig_one")
        f.width = 3.4
        f.height = 2.4
        f.font = "Times,9"
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
        try paper.write(to: dir.appendingPathComponent("paper.tex"), atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: pdflatex)
        p.arguments = ["-interaction=nonstopmode", "-halt-on-error", "paper.tex"]
        p.currentDirectoryURL = dir
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        let log = (try? String(contentsOf: dir.appendingPathComponent("paper.log"), encoding: .utf8)) ?? ""
        XCTAssertEqual(p.terminationStatus, 0, String(log.suffix(3000)))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("paper.pdf").path))
    }
}
