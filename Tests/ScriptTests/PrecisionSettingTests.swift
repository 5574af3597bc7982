import Foundation
import Llama
import Pruning
@testable import Script
import TestSupport
import XCTest

/// `precision bf16`: a sweep setting in the cell key (Float32 cells keep their keys), shown with the
/// cell's other settings, and run: bfloat16 cells compute their own calibration and perplexity.
final class PrecisionSettingTests: XCTestCase {
    let script = """
    model     "tiny.gguf"
    calibrate "calib.txt" samples 3 seqlen 16
    precision [f32, bf16]
    scorer    wanda
    amount    [0%, 30%]
    evaluate  perplexity "eval.txt" seqlen 32 windows 4
    """

    func testPrecisionIsASweepSettingInTheKey() throws {
        let folder = try ScriptFolder(self)
        let (e, _) = try Checker.check(try folder.write("p.prune", script))
        let cells = Planner.cells(e)
        XCTAssertEqual(cells.count, 4)
        XCTAssertEqual(cells.map { CellSettings.value("precision", $0) }.sorted(), ["bf16", "bf16", "f32", "f32"])
        let f32 = cells.filter { $0.precision == nil }, bf16 = cells.filter { $0.precision == .bf16 }
        XCTAssertEqual(f32.count, 2)
        XCTAssertTrue(bf16.allSatisfy { $0.label.contains("bf16") })
        // A Float32 cell's JSON and key are what they were before the setting existed: no precision field.
        let encoded = String(decoding: try JSONEncoder().encode(f32[0]), as: UTF8.self)
        XCTAssertFalse(encoded.contains("precision"))
        let inputs = { (c: Cell) in CellInputs(cell: c, modelSHA256: "m", calibrationSHA256: "c", evaluationSHA256: "e") }
        XCTAssertNil(inputs(f32[0]).precision)
        var twin = bf16.first { $0.amount == f32[0].amount }!
        XCTAssertNotEqual(inputs(twin).key, inputs(f32[0]).key)
        twin.precision = nil
        XCTAssertEqual(inputs(twin).key, inputs(f32[0]).key)
        XCTAssertEqual(SavePattern.fill("{precision}", bf16[0]), "bf16")
    }

    func testUnknownPrecisionIsAnErrorWithAHint() throws {
        let folder = try ScriptFolder(self)
        let d = try folder.diagnostics("bad.prune", "model \"tiny.gguf\"\nprecision bf61\nscorer norm\namount 30%\n")
        XCTAssertEqual(d.map(\.message), ["unknown precision `bf61`"])
        XCTAssertEqual(d.first?.help, "did you mean `bf16`?")
        XCTAssertEqual(d.first?.location.line, 2)
    }

    func testBFloat16CellsRunAndStayCloseToFloat32() throws {
        let folder = try ScriptFolder(self)
        let source = try folder.write("p.prune", script)
        var options = Interpreter.Options()
        options.cache = StatisticsCache(folder: folder.url.appendingPathComponent("cache"))
        XCTAssertEqual(try Interpreter(experiment: try Checker.check(source).0, source: source, options: options).run(), 4)
        let store = try ResultsStore(folder: folder.url.appendingPathComponent("out/p"))
        let records = Array(store.records.values)
        XCTAssertEqual(records.count, 4)
        for amount in [0.0, 0.3] {
            let f = try XCTUnwrap(records.first { $0.cell.amount == amount && $0.cell.precision == nil }?.metrics.ppl)
            let b = try XCTUnwrap(records.first { $0.cell.amount == amount && $0.cell.precision == .bf16 }?.metrics.ppl)
            XCTAssertNotEqual(f, b, "bf16 computes differently")
            XCTAssertEqual(b, f, accuracy: 0.05 * f, "amount \(amount)")
        }
        let csv = try String(contentsOf: folder.url.appendingPathComponent("out/p/results.csv"), encoding: .utf8)
        XCTAssertTrue(csv.split(separator: "\n")[0].contains(",precision,"))
    }
}
