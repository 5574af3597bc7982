import Foundation
import Pruning
@testable import Reporting
@testable import Script
import XCTest

/// Heatmaps of rows kept, error bars from intervals, and x axes beyond amount, from hand-made data.
final class FigureKindTests: XCTestCase {
    func testHeatmapIsAMatrixOfLayersByCells() {
        var f = FigureSpec(name: "hm")
        f.kind = "heatmap"
        f.series = "scorer"
        let records = [FigureRecords.record(nil, amount: 0, ppl: 10),
                       FigureRecords.record("wanda", amount: 0.3, ppl: 20, kept: FigureRecords.upProj([0: 1000, 1: 1200, 2: 900])),
                       FigureRecords.record("norm", amount: 0.3, ppl: 30, kept: FigureRecords.upProj([0: 800, 2: 700]))]
        let figure = GnuplotFigure(spec: f, data: FigureData.layers(f, records: records))
        // A row per cell (wanda, then norm), a column per layer 0, 1, 2; norm has no layer 1.
        XCTAssertEqual(figure.dataFile(), """
        # hm: mlp.up_proj rows kept, a row per cell, a column per layer from 0 to 2 (NaN: the cell has no such layer)
        # row 0: wanda @ 0.3
        # row 1: norm @ 0.3
        1000 1200 900
        800 NaN 700

        """)
        let gp = figure.script()
        XCTAssertTrue(gp.contains("set ytics (\"wanda @ 0.3\" 0, \"norm @ 0.3\" 1) noenhanced"), gp)
        // Layers −0.5 … 2.5 across; cells 1.5 … −0.5 down, so the first is on top.
        XCTAssertTrue(gp.contains("set xrange [-0.5:2.5]") && gp.contains("set yrange [1.5:-0.5]"), gp)
        XCTAssertTrue(gp.contains("set xlabel \"layer\" noenhanced"), gp)
        // "wanda @ 0.3" is 11 characters: names 13 × 0.7 × 10 = 91 points of the 432 (6in), 0.2106; the
        // colour box 8 × 10 = 80 on the right, from 1 − 80 / 432 = 0.8148. Three layers 30 points apart
        // fit the 261 between: a tic at each.
        XCTAssertTrue(gp.contains("set lmargin at screen 0.2106") && gp.contains("set rmargin at screen 0.8148"), gp)
        XCTAssertTrue(gp.contains("set xtics 0, 1, 2"), gp)
        XCTAssertFalse(gp.contains("set ytics (\"wanda @ 0.3\" 0, \"norm @ 0.3\" 1) noenhanced font"), gp)
        XCTAssertTrue(gp.contains("set cblabel \"mlp.up_proj rows kept\" noenhanced"), gp)
        XCTAssertTrue(gp.contains("plot 'hm.dat' matrix using ($1+0):2:3 with image notitle"), gp)
        XCTAssertTrue(gp.contains("set key off"), gp)
        XCTAssertFalse(gp.contains("dense"), gp)
    }

    /// Long cell names: at 3.4in and 9pt the names may take 0.35 × 244.8 = 85.68 points; 34 characters
    /// and 2 at 0.7f are 226.8, 204.12, 181.44 and at 6.3pt 158.76, so the canvas grows by 158.76 − 85.68
    /// to 317.88 points (4.415in); the names end at 158.76 / 317.88 = 0.4994, the colour box starts at
    /// 1 − 72 / 317.88 = 0.7735.
    func testHeatmapNamesShrinkThenWidenTheCanvas() {
        let m = HeatmapFigure.margins(names: ["mlp.up_proj -> mlp.down_proj @ 0.3", "wanda @ 0.3"], width: 3.4, points: 9)
        XCTAssertEqual(m.points ?? 0, 6.3, accuracy: 1e-9)
        XCTAssertEqual(m.width, 4.415, accuracy: 1e-9)
        XCTAssertEqual(m.left, 0.4994, accuracy: 1e-4)
        XCTAssertEqual(m.right, 0.7735, accuracy: 1e-4)
        // At 1in and 20pt: 13 × 0.7 × 20 = 182 points of names exceed 0.35 × 72 at every size; at 14pt
        // they are 127.4, and names, the colour box (8 × 20) and an inch need 127.4 + 160 + 72 = 359.4
        // points, more than 72 + 127.4 − 25.2: the canvas is 359.4 / 72 = 4.991 inches wide.
        let narrow = HeatmapFigure.margins(names: ["wanda @ 0.3"], width: 1, points: 20)
        XCTAssertEqual(narrow.width, 359.4 / 72, accuracy: 1e-9)
        XCTAssertLessThan(narrow.left, narrow.right)
        var f = FigureSpec(name: "wide")
        f.kind = "heatmap"
        f.width = 3.4
        f.font = "Times,9"
        f.dpi = 200
        let cells = ["mlp.up_proj -> mlp.down_proj @ 0.3", "wanda @ 0.3"].map { name in
            FigureData.Series(name: name, points: (0..<30).map { (x: Double($0), y: 1000) })
        }
        let gp = GnuplotFigure(spec: f, data: FigureData(series: cells, baseline: nil, xLabel: "layer", yLabel: "rows")).script()
        // 4.415in at 200 dpi is 883 pixels. The picture is 317.88 − 158.76 − 72 = 87.12 points wide: 30
        // layers with tics 27 points apart fit every 10 (3 × 27 = 81), not every 5 (6 × 27 = 162).
        XCTAssertTrue(gp.contains("set terminal pngcairo size 883,800 "), gp)
        XCTAssertTrue(gp.contains("noenhanced font ',6.3'"), gp)
        XCTAssertTrue(gp.contains("set xtics 0, 10, 29"), gp)
    }

    /// Intervals by hand: series a has them at two of its three points, b has none.
    func testIntervalsBecomeErrorBars() {
        var f = FigureSpec(name: "ci")
        f.series = "scorer"
        let a = FigureData.Series(name: "a", points: [(0, 10), (0.1, 12), (0.3, 40)],
                                  intervals: [nil, .init(low: 11, high: 13.5), .init(low: 35, high: 46)])
        let b = FigureData.Series(name: "b", points: [(0, 10), (0.3, 90)])
        let data = FigureData(series: [a, b], baseline: 10, xLabel: "share of FFN rows pruned", yLabel: "perplexity")
        let lines = GnuplotFigure(spec: f, data: data)
        // Every block gets x y low high; a point without an interval has low = high = y.
        XCTAssertEqual(lines.dataFile(), """
        # ci: share of FFN rows pruned against perplexity
        # columns: x y low high (low = high = y where a point has no interval)
        # series 0: a
        0 10 10 10
        0.1 12 11 13.5
        0.3 40 35 46


        # series 1: b
        0 10 10 10
        0.3 90 90 90

        """)
        let gp = lines.script()
        XCTAssertTrue(gp.contains("'ci.dat' index 0 using ($1*100):2:3:4 title \"a\" noenhanced with yerrorlines"), gp)
        XCTAssertTrue(gp.contains("'ci.dat' index 1 using ($1*100):2 title \"b\" noenhanced with linespoints"), gp)
        f.kind = "bars"
        let bars = GnuplotFigure(spec: f, data: data).script()
        XCTAssertTrue(bars.contains("set style histogram errorbars gap 1 lw 1"), bars)
        XCTAssertTrue(bars.contains("'ci.dat' index 0 using 2:3:4:xtic(sprintf('%.0f%%', $1*100)) title \"a\""), bars)
        // Without intervals nothing changes: two columns, clustered bars.
        let plain = GnuplotFigure(spec: f, data: FigureData(series: [b], baseline: nil, xLabel: "x", yLabel: "y"))
        XCTAssertFalse(plain.dataFile().contains("low"))
        XCTAssertTrue(plain.script().contains("set style histogram cluster gap 1"))
    }

    /// The amount axis says what the amount was a share of: FFN rows under global, block parameters under budget.
    func testAmountAxisNamesWhatThePrunerRemoved() {
        var records = [FigureRecords.record(nil, amount: 0, ppl: 10), FigureRecords.record("wanda", amount: 0.1, ppl: 15),
                       FigureRecords.record("wanda", amount: 0.3, ppl: 90)]
        var f = FigureSpec(name: "amounts")
        f.series = "scorer"
        XCTAssertEqual(FigureData.make(f, records: records).xLabel, "share of FFN rows pruned")
        for i in 1...2 { records[i].cell.pruner = ComponentSpec(name: "budget") }
        XCTAssertEqual(FigureData.make(f, records: records).xLabel, "share of block parameters removed")
        records[1].cell.pruner = ComponentSpec(name: "local")
        XCTAssertEqual(FigureData.make(f, records: records).xLabel, "amount pruned (rows, or block parameters under budget)")
    }

    /// x as parameters stored (millions): the dense model joins each series at its own size.
    func testParametersAndCalibrationSettingsAsX() {
        let records = [FigureRecords.record(nil, amount: 0, ppl: 10, stored: 1_000_000),
                       FigureRecords.record("wanda", amount: 0.1, ppl: 15, stored: 900_000),
                       FigureRecords.record("wanda", amount: 0.3, ppl: 90, stored: 700_000)]
        var f = FigureSpec(name: "size")
        f.x = "params_stored"
        f.series = "scorer"
        let data = FigureData.make(f, records: records)
        XCTAssertEqual(data.xLabel, "parameters stored (millions)")
        XCTAssertEqual(data.series.map(\.name), ["wanda"])
        XCTAssertEqual(data.series[0].points.map(\.x), [0.7, 0.9, 1.0])
        XCTAssertEqual(data.series[0].points.map(\.y), [90, 15, 10])
        // No percent format off the amount axis.
        XCTAssertFalse(GnuplotFigure(spec: f, data: data).script().contains("%%"))
        // x seed: the dense model has no calibration, so no seed and no point; the baseline stays.
        let seeded = [FigureRecords.record(nil, amount: 0, ppl: 10),
                      FigureRecords.record("wanda", amount: 0.3, ppl: 61, seed: 2), FigureRecords.record("wanda", amount: 0.3, ppl: 72, seed: 1)]
        f.x = "seed"
        let bySeed = FigureData.make(f, records: seeded)
        XCTAssertEqual(bySeed.series[0].points.map(\.x), [1, 2])
        XCTAssertEqual(bySeed.series[0].points.map(\.y), [72, 61])
        XCTAssertEqual(bySeed.baseline, 10)
        XCTAssertEqual(bySeed.xLabel, "calibration seed")
    }
}
