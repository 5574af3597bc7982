import Evaluation
import Foundation
import Pruning
@testable import Reporting
@testable import Script
import TestSupport
import XCTest

/// Reports of notebooks, from a checked script and results made up in the test: the order of prose,
/// figures and tables, references filled in, replicate means with intervals worked out here, bootstrap
/// intervals recomputed here, and LaTeX tables that compile.
final class NotebookReportTests: XCTestCase {
    /// A folder with a tiny model and texts for the checker to read.
    func folder() throws -> URL {
        let url = try TestPaths.temporaryFolder(self)
        try TinyLlama(seed: 41).write(to: url.appendingPathComponent("tiny.gguf").path)
        for name in ["calib.txt", "eval.txt"] { try String(repeating: "abcdefgh ", count: 40).write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return url
    }

    let notebook = """
    \"\"\"
    # Study
    Wanda at 30 % reaches {{ perplexity where scorer wanda, amount 30%, pruner local }}; dense {{ perplexity where amount 0 digits 1 }}.
    \"\"\"
    model "tiny.gguf"
    calibrate "calib.txt" samples 2 seqlen 16
    scorer [wanda, norm]
    amount [0, 30%]
    replicate seed [1, 2, 3]
    evaluate perplexity "eval.txt" seqlen 16 windows 2
    figure f: x amount, y perplexity, series scorer
    table t: rows scorer, columns amount, value perplexity
    \"\"\"
    ## Global
    \"\"\"
    pruner global
    table g: rows scorer, columns amount, value perplexity, digits 1, title "Global"
    report "report.md"

    """

    /// A made-up perplexity for each cell: dense 10; wanda 20 + seed (local) or 30 + 2·seed (global); norm 40 / 50.
    func perplexity(_ c: Cell) -> Double {
        guard let scorer = c.scorer?.name else { return 10 }
        let seed = Double(c.calibration?.seed ?? 0), global = c.pruner?.name == "global"
        return scorer == "wanda" ? (global ? 30 + 2 * seed : 20 + seed) : (global ? 50 : 40)
    }

    func record(_ c: Cell, ppl: Double, items: [String: [Double]] = [:]) -> ResultRecord {
        let inputs = CellInputs(cell: c, modelSHA256: "aa", calibrationSHA256: c.calibration == nil ? nil : "cc", evaluationSHA256: "bb")
        var m = CellMetrics(paramsTotal: 1000, paramsNonzero: 900, paramsStored: 800, keptRows: c.isDense ? [:] : ["model.layers.0.mlp.up_proj": 60], ffnWidths: [])
        m.ppl = ppl
        m.windows = 2
        m.predictedTokens = 30
        m.evaluation = EvaluationResult(metrics: ["perplexity": ppl], items: items, count: items["nll"]?.count ?? 2, seconds: 1)
        return ResultRecord(key: inputs.key, cell: c, inputs: inputs, metrics: m, finishedAt: "2026-01-01T00:00:00Z", tool: "prune")
    }

    func testReportFollowsTheNotebookWithValuesAndIntervals() throws {
        let dir = try folder()
        let source = SourceFile(path: dir.appendingPathComponent("study.prune").path, text: notebook)
        try notebook.write(toFile: source.path, atomically: true, encoding: .utf8)
        let (e, _) = try Checker.check(source)
        let records = Planner.cells(e).map { record($0, ppl: perplexity($0)) }
        // 1 dense, wanda × 3 seeds and norm once, for each pruner.
        XCTAssertEqual(records.count, 9)
        let report = MarkdownReport(experiment: e, source: source, records: records, figures: e.figures, tool: "t", date: Date(timeIntervalSince1970: 0)).render()
        // Student t with 2 degrees of freedom has the closed-form quantile (2p − 1) / √(2p(1 − p)).
        let t2 = (2 * 0.975 - 1) / (2 * 0.975 * 0.025).squareRoot()
        // Local wanda: 21, 22, 23 (sd 1); global wanda: 32, 34, 36 (sd 2).
        let local = String(format: "%.2f", t2 * 1 / 3.0.squareRoot()), global = String(format: "%.1f", t2 * 2 / 3.0.squareRoot())
        XCTAssertEqual(local, "2.48")
        let expected = [
            "# Study",
            "Wanda at 30 % reaches 22.00; dense 10.0.",
            "![f](f.png)",
            "Points: means over 3 replicates (seed 1, 2, 3); error bars: 95 % Student-t intervals.",
            "| scorer \\ amount | 0% | 30% |",
            "| dense | 10.00 | – |",
            "| wanda | – | **22.00 ± \(local)** |",
            "| norm | – | 40.00 |",
            "Values: perplexity (lower is better; best pruned model per column in bold). Mean over 3 replicates (seed 1, 2, 3) ± half-width of the 95 % Student-t interval.",
            "## Global",
            "**Global**",
            "| wanda | – | **34.0 ± \(global)** |",
            "| norm | – | 50.0 |",
            "## All results",
        ]
        // Each expected line appears, in this order.
        var rest = Substring(report)
        for line in expected {
            guard let r = rest.range(of: line + "\n") else { return XCTFail("missing or out of order: \(line)\n\(report)") }
            rest = rest[r.upperBound...]
        }
        // The constant settings are said once above each table; the varying one is the table's rows.
        // (calibration is not constant: norm reads none.)
        XCTAssertTrue(report.contains("model tiny.gguf · structure mlp.neurons · pipeline chained · pruner local · perplexity on eval.txt, the first 2 windows of 16 tokens\n"), report)
    }

    /// Figures draw replicates as their mean with the same interval the tables print.
    func testFiguresDrawReplicateMeansWithErrorBars() throws {
        let dir = try folder()
        let source = SourceFile(path: dir.appendingPathComponent("study.prune").path, text: notebook)
        try notebook.write(toFile: source.path, atomically: true, encoding: .utf8)
        let (e, _) = try Checker.check(source)
        guard case .figure(let f, let sweep)? = e.notebook.first(where: { if case .figure = $0 { true } else { false } }) else { return XCTFail("no figure") }
        let cells = Set(Planner.cells(e.sweeps[sweep]))
        let records = Planner.cells(e).filter { cells.contains($0) }.map { record($0, ppl: perplexity($0)) }
        let data = FigureData.make(f, records: records, replicate: e.sweeps[sweep].replicate)
        let wanda = try XCTUnwrap(data.series.first { $0.name == "wanda" })
        XCTAssertEqual(wanda.points.map(\.x), [0, 0.3])
        XCTAssertEqual(wanda.points.map(\.y), [10, 22])
        let h = (2 * 0.975 - 1) / (2 * 0.975 * 0.025).squareRoot() / 3.0.squareRoot()
        XCTAssertNil(wanda.interval(0))
        XCTAssertEqual(wanda.interval(1)?.low ?? 0, 22 - h, accuracy: 1e-9)
        XCTAssertEqual(wanda.interval(1)?.high ?? 0, 22 + h, accuracy: 1e-9)
        XCTAssertEqual(data.series.first { $0.name == "norm" }?.hasIntervals, false)
        XCTAssertEqual(data.baseline, 10)
    }

    func testTablesAreWrittenAsLaTeXThatCompilesAndAsCSV() throws {
        let dir = try folder()
        let source = SourceFile(path: dir.appendingPathComponent("study.prune").path, text: notebook)
        try notebook.write(toFile: source.path, atomically: true, encoding: .utf8)
        let (e, _) = try Checker.check(source)
        let records = Planner.cells(e).map { record($0, ppl: perplexity($0)) }
        guard case .table(let spec, let sweep)? = e.notebook.first(where: { if case .table = $0 { true } else { false } }) else { return XCTFail("no table") }
        let table = ResultTable(spec, sweep: e.sweeps[sweep], values: ResultValues(records, bootstrap: false))
        let tex = table.latex()
        XCTAssertTrue(tex.contains("\\toprule") && tex.contains("\\midrule") && tex.contains("\\bottomrule"), tex)
        XCTAssertTrue(tex.contains("wanda & -- & $\\mathbf{22.00 \\pm 2.48}$ \\\\"), tex)
        XCTAssertTrue(tex.contains("scorer \\textbackslash{} amount & 0\\% & 30\\% \\\\"), tex)
        let csv = table.csv().split(separator: "\n")
        XCTAssertEqual(csv[0], "scorer,amount,perplexity,low,high,replicates")
        XCTAssertTrue(csv.contains { $0.hasPrefix("wanda,0.3,22,19.51") && $0.hasSuffix(",3") }, "\(csv)")
        let doc = "\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n\\begin{table}\\input{t.tex}\\end{table}\n\\end{document}\n"
        try tex.write(to: dir.appendingPathComponent("t.tex"), atomically: true, encoding: .utf8)
        let (status, log) = try LaTeX.compile(doc, in: dir)
        XCTAssertEqual(status, 0, log)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("paper.pdf").path))
    }

    /// Student t quantiles against closed forms (1 and 2 degrees of freedom) and the normal limit.
    func testStudentQuantiles() {
        XCTAssertEqual(Intervals.studentQuantile(0.975, degrees: 1), tan(Double.pi * 0.475), accuracy: 1e-9)
        XCTAssertEqual(Intervals.studentQuantile(0.975, degrees: 2), 0.95 / (2 * 0.975 * 0.025).squareRoot(), accuracy: 1e-9)
        // ν = 4: checked by integrating the density numerically (Simpson's rule).
        func cdf4(_ t: Double) -> Double {
            let n = 200_000, h = t / Double(n)
            var s = 0.0
            for i in 0...n {
                let x = Double(i) * h, f = 3.0 / 8.0 * pow(1 + x * x / 4, -2.5)   // Γ(5/2)/(√(4π)Γ(2)) = 3/8
                s += (i == 0 || i == n ? 1 : (i % 2 == 1 ? 4 : 2)) * f
            }
            return 0.5 + s * h / 3
        }
        XCTAssertEqual(cdf4(Intervals.studentQuantile(0.975, degrees: 4)), 0.975, accuracy: 1e-9)
        XCTAssertEqual(Intervals.studentQuantile(0.975, degrees: 1e7), 1.959964, accuracy: 1e-5)
    }

    /// The bootstrap interval over windows, recomputed here from its documented recipe.
    func testBootstrapIntervalOverWindows() throws {
        let nll = [30.1, 35.7, 28.2, 40.9, 33.3, 31.8], tokens = [15.0, 15, 15, 15, 15, 14]
        let c = Cell(model: "m.gguf", amount: 0, evaluation: EvaluationSetting(text: "e.txt", seqlen: 16, windows: 6))
        let r = record(c, ppl: exp(nll.reduce(0, +) / tokens.reduce(0, +)), items: ["nll": nll, "tokens": tokens])
        let got = try XCTUnwrap(ResultValues([r], bootstrap: true).bootstrapInterval("perplexity", r))
        // SplitMix64 from seed 0, indices next() mod n, 1000 resamples, order statistics 25 and 974.
        var state: UInt64 = 0
        func next() -> UInt64 {
            state = state &+ 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
        var stats: [Double] = []
        for _ in 0..<1000 {
            var a = 0.0, b = 0.0
            for _ in 0..<6 { let i = Int(next() % 6); a += nll[i]; b += tokens[i] }
            stats.append(exp(a / b))
        }
        stats.sort()
        XCTAssertEqual(got.0, stats[25])
        XCTAssertEqual(got.1, stats[974])
        XCTAssertLessThan(got.0, r.metrics.ppl!)
        XCTAssertGreaterThan(got.1, r.metrics.ppl!)
        // A single cell under `ci bootstrap` gets that interval; the method line says so.
        let e = try XCTUnwrap(ResultValues([r], bootstrap: true).estimate("perplexity", Selection.Group(unit: c, members: [c])))
        XCTAssertEqual(e.low, stats[25])
        XCTAssertTrue(ResultValues.method([e], replicate: nil, bootstrap: true, metric: "perplexity").contains("bootstrap interval over the evaluation windows (1000 resamples"))
    }
}
