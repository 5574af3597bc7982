import Evaluation
import Foundation
import Pruning
@testable import Reporting
@testable import Script
import TestSupport
import XCTest

/// Figures and reports from a small hand-made results set.
final class ReportingTests: XCTestCase {
    func record(_ scorer: String?, amount: Double, ppl: Double, pruner: String = "local", tokensPerSecond: Double = 500,
                kept: [String: Int] = [:]) -> ResultRecord {
        let eval = EvaluationSetting(text: "eval.txt", seqlen: 512, windows: 12)
        let cell = Cell(model: "m.gguf", calibration: nil, structure: scorer == nil ? nil : PruningStructure(),
                        pipeline: scorer == nil ? nil : .chained, scorer: scorer.map { try! ComponentSpec.parse($0) },
                        pruner: scorer == nil ? nil : ComponentSpec(name: pruner), amount: amount, evaluation: eval)
        let inputs = CellInputs(cell: cell, modelSHA256: "aa", calibrationSHA256: nil, evaluationSHA256: "bb", numerics: "n1")
        var metrics = CellMetrics(paramsTotal: 1000, paramsNonzero: 900, paramsStored: 800, keptRows: kept, ffnWidths: [])
        metrics.ppl = ppl
        metrics.meanNLL = log(ppl)
        metrics.windows = 12
        metrics.predictedTokens = 6132
        metrics.evaluationSeconds = 10
        metrics.tokensPerSecond = tokensPerSecond
        metrics.stageSeconds = ["evaluation": 10]
        return ResultRecord(key: inputs.key, cell: cell, inputs: inputs, metrics: metrics,
                            finishedAt: "2026-01-01T00:00:00Z", tool: "prune")
    }

    /// Calibration settings are settings like any other: seeds tell series and table rows apart.
    func testCalibrationSeedsAreVisibleInFiguresAndTables() throws {
        func seeded(_ seed: Int, ppl: Double) -> ResultRecord {
            var r = record("wanda", amount: 0.3, ppl: ppl)
            r.cell.calibration = CalibrationSpec(path: "data/calib.txt", samples: 8, seqlen: 128, seed: seed)
            r.inputs = CellInputs(cell: r.cell, modelSHA256: "aa", calibrationSHA256: "cc", evaluationSHA256: "bb", numerics: "n1")
            r.key = r.inputs.key
            return r
        }
        let all = [record(nil, amount: 0, ppl: 10), seeded(1, ppl: 61.2), seeded(2, ppl: 72.6)]
        var f = FigureSpec(name: "seeds")
        f.series = "seed"
        XCTAssertEqual(FigureData.make(f, records: all).series.map(\.name), ["1", "2"])
        f.series = nil
        f.filters = ["seed": "2"]
        XCTAssertEqual(FigureData.make(f, records: all).series.first?.points.map(\.y), [10, 72.6])
        let folder = try TestPaths.temporaryFolder(self)
        let source = SourceFile(path: folder.appendingPathComponent("s.prune").path, text: "")
        let report = MarkdownReport(experiment: Experiment(output: folder), source: source, records: all, figures: [], tool: "t",
                                    date: Date(timeIntervalSince1970: 0)).render()
        // The seeds are the one setting that varies: a column, and neither row "best".
        XCTAssertTrue(report.contains("| scorer | calibration | amount |"), report)
        XCTAssertTrue(report.contains("| wanda | calib.txt 8×128 seed 1 | 30% | 61.2000 |"), report)
        XCTAssertTrue(report.contains("| wanda | calib.txt 8×128 seed 2 | 30% | 72.6000 |"), report)
    }

    /// Task metrics: one column per task plus their mean in the table; `TASK.METRIC`, `mean_acc` and
    /// `retention` in figures, worked by hand.
    func testTaskColumnsAndAccuracyFigures() throws {
        func task(_ scorer: String?, amount: Double, _ name: String, accNorm: Double) -> ResultRecord {
            var r = record(scorer, amount: amount, ppl: 1)
            r.cell.evaluation = EvaluationSetting(task: name, text: "\(name).jsonl", seqlen: 0)
            r.metrics.ppl = nil
            r.metrics.evaluation = EvaluationResult(metrics: ["acc": accNorm - 0.1, "acc_norm": accNorm], items: [:], count: 40, seconds: 1)
            r.inputs = CellInputs(cell: r.cell, modelSHA256: "aa", calibrationSHA256: nil, evaluationSHA256: "dd", numerics: "n1")
            r.key = r.inputs.key
            return r
        }
        let all = [record(nil, amount: 0, ppl: 10), record("wanda", amount: 0.3, ppl: 90),
                   task(nil, amount: 0, "hellaswag", accNorm: 0.5), task(nil, amount: 0, "piqa", accNorm: 0.8),
                   task("wanda", amount: 0.3, "hellaswag", accNorm: 0.4), task("wanda", amount: 0.3, "piqa", accNorm: 0.6)]
        var f = FigureSpec(name: "acc")
        f.y = "hellaswag.acc_norm"
        XCTAssertEqual(FigureData.make(f, records: all).series.first?.points.map(\.y), [0.5, 0.4])
        f.y = "mean_acc"
        let mean = FigureData.make(f, records: all)
        XCTAssertEqual(mean.baseline ?? 0, 0.65, accuracy: 1e-12)
        XCTAssertEqual(mean.series.first?.points.map(\.y).last ?? 0, 0.5, accuracy: 1e-12)
        f.y = "retention"
        XCTAssertEqual(FigureData.make(f, records: all).series.first?.points.map(\.y).last ?? 0, (0.4 / 0.5 + 0.6 / 0.8) / 2, accuracy: 1e-12)
        let folder = try TestPaths.temporaryFolder(self)
        let report = MarkdownReport(experiment: Experiment(output: folder), source: SourceFile(path: folder.appendingPathComponent("s.prune").path, text: ""),
                                    records: all, figures: [], tool: "t", date: Date(timeIntervalSince1970: 0)).render()
        XCTAssertTrue(report.contains("| scorer | amount | perplexity | × dense | hellaswag acc_norm | piqa acc_norm | mean acc | parameters stored |"), report)
        XCTAssertTrue(report.contains("| dense | 0% | 10.0000 | 1.000 | 0.5000 | 0.8000 | 0.6500 |"), report)
        XCTAssertTrue(report.contains("| wanda | 30% | 90.0000 | 9.000 | 0.4000 | 0.6000 | 0.5000 |"), report)
        XCTAssertTrue(report.contains("hellaswag: hellaswag.jsonl, 40 items, zero-shot as lm-evaluation-harness 0.4 scores it; acc_norm."), report)
    }

    var records: [ResultRecord] {
        [record(nil, amount: 0, ppl: 10),
         record("wpr(gamma: 0.5)", amount: 0.3, ppl: 40), record("wpr(gamma: 0.5)", amount: 0.1, ppl: 12),
         record("wanda", amount: 0.1, ppl: 15), record("wanda", amount: 0.3, ppl: 90, tokensPerSecond: 600)]
    }

    func testDataFileAndScript() {
        var f = FigureSpec(name: "ppl")
        f.series = "scorer"
        f.logY = true
        let data = FigureData.make(f, records: records)
        XCTAssertEqual(data.baseline, 10)
        let figure = GnuplotFigure(spec: f, data: data)
        XCTAssertEqual(figure.dataFile(), """
        # ppl: share of FFN rows pruned against perplexity
        # series 0: wpr(gamma: 0.5)
        0 10
        0.1 12
        0.3 40


        # series 1: wanda
        0 10
        0.1 15
        0.3 90

        """)
        let gp = figure.script()
        XCTAssertTrue(gp.contains("set logscale y"))
        XCTAssertTrue(gp.contains("set xlabel \"share of FFN rows pruned\""))
        XCTAssertTrue(gp.contains("'ppl.dat' index 0 using ($1*100):2 title \"wpr(gamma: 0.5)\" noenhanced with linespoints lc rgb '#0072B2'"))
        XCTAssertTrue(gp.contains("'ppl.dat' index 1 using ($1*100):2 title \"wanda\" noenhanced with linespoints lc rgb '#D55E00' dt 1"))
        XCTAssertTrue(gp.contains("10 title 'dense' with lines"))
        XCTAssertTrue(gp.contains("set output 'ppl.png'") && gp.contains("set output 'ppl.svg'"))
        XCTAssertFalse(gp.contains("pdfcairo"))
    }

    func testSeriesColoursAreFixedForScorersAndDistinctOtherwise() {
        let thetas = ["theta 0", "theta 0.25", "theta 0.5", "theta 0.75", "theta 1"]
        XCTAssertEqual(Set(thetas.map { Palette.colour($0, among: thetas) }).count, 5)
        XCTAssertEqual(Palette.colour("wpr(gamma: 0.5)", among: ["wpr(gamma: 0.5)", "x"]), "#0072B2")
        XCTAssertEqual(Palette.colour("wanda", among: ["wanda"]), "#D55E00")
        let both = ["wpr", "wpr(gamma: 0.5)"]
        XCTAssertNotEqual(Palette.dash("wpr(gamma: 0.5)", among: both), Palette.dash("wpr", among: both))
    }

    func testRatioSpeedupAndFilters() {
        var f = FigureSpec(name: "r")
        f.y = "ppl_ratio"
        f.series = "scorer"
        f.filters = ["scorer": "wanda"]
        let data = FigureData.make(f, records: records)
        XCTAssertEqual(data.series.map(\.name), ["wanda"])
        XCTAssertEqual(data.series[0].points.map(\.y), [1, 1.5, 9])
        f.y = "speedup"
        XCTAssertEqual(FigureData.make(f, records: records).series[0].points.map(\.y), [1, 1, 1.2])
    }

    func testPNGRendersWithGnuplot() throws {
        try requireGnuplot()
        let dir = try TestPaths.temporaryFolder(self)
        var f = FigureSpec(name: "ppl")
        f.series = "scorer"
        f.pdf = true
        XCTAssertNil(try GnuplotFigure(spec: f, data: FigureData.make(f, records: records)).write(to: dir))
        for ext in ["png", "svg", "pdf", "gp", "dat"] {
            let size = (try? FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("ppl.\(ext)").path)[.size] as? Int) ?? 0
            XCTAssertGreaterThan(size ?? 0, 100, ext)
        }
        let png = try Data(contentsOf: dir.appendingPathComponent("ppl.png"))
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
    }

    func testReportIsByteStableAndHasTheTableAndLinks() throws {
        let dir = try TestPaths.temporaryFolder(self)
        let source = SourceFile(path: dir.appendingPathComponent("s.prune").path, text: "\"\"\"\n# Study\nSome prose.\n\"\"\"\nmodel \"m.gguf\"\n")
        var e = Experiment(output: dir)
        var f = FigureSpec(name: "ppl")
        f.series = "scorer"
        e.notebook = [.prose([.text("# Study\nSome prose.")], sweep: nil), .figure(f, sweep: 0)]
        let mixed = records + [record("norm", amount: 0.3, ppl: 50, pruner: "global",
                                      kept: ["model.layers.0.mlp.up_proj": 1000, "model.layers.1.mlp.up_proj": 1200])]
        func render(_ d: Date, _ r: [ResultRecord]) -> String {
            MarkdownReport(experiment: e, source: source, records: r, figures: e.figures, tool: "prune test", date: d).render()
        }
        let a = render(Date(timeIntervalSince1970: 0), mixed), b = render(Date(timeIntervalSince1970: 86400 * 400), mixed.reversed())
        let strip = { (s: String) in s.split(separator: "\n").filter { !$0.hasPrefix("- Generated:") }.joined(separator: "\n") }
        XCTAssertEqual(strip(a), strip(b))
        XCTAssertNotEqual(a, b)
        XCTAssertTrue(a.hasPrefix("# Study\nSome prose.\n"))
        // Settings shared by every pruned row are said once; only the scorer and pruner vary. Nothing is bold.
        XCTAssertTrue(a.contains("model m.gguf · pipeline chained · structure mlp.up_proj → mlp.down_proj\n"), a)
        XCTAssertTrue(a.contains("| scorer | pruner | amount | perplexity | × dense | parameters stored |"), a)
        XCTAssertTrue(a.contains("| wpr(gamma: 0.5) | local | 10% | 12.0000 | 1.200 | 0.00M |"), a)
        XCTAssertTrue(a.contains("| dense | – | 0% | 10.0000 | 1.000 |"), a)
        XCTAssertTrue(a.contains("| wanda | local | 30% | 90.0000 |"), a)
        XCTAssertFalse(a.contains("**"), a)
        XCTAssertTrue(a.contains("![ppl](ppl.png)"))
        XCTAssertTrue(a.contains("- model `m.gguf`, SHA-256 `aa`"))
    }
}
