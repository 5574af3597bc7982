@testable import Pruning
import Foundation
import Llama
import TestSupport
import XCTest

/// `spare_first` / `spare_last`: the first and last blocks keep every row, the others lose the share that
/// keeps the model-wide amount, counted here by hand.
final class SparedBlocksTests: XCTestCase {
    func pruner(_ text: String) throws -> any Pruner { try PrunerRegistry.make(ComponentSpec.parse(text)) }

    /// Four blocks of one neuron list each (10 rows), chained into one MLP; importances distinct per block.
    let modules = (0..<4).map { LinearModule(layer: $0, kind: .up) }
    func importances() -> [LinearModule: [Double]] {
        Dictionary(uniqueKeysWithValues: modules.map { m in (m, (0..<10).map { Double(($0 * 7 + m.layer * 3) % 10) + Double(m.layer) / 10 }) })
    }

    func lowest(_ values: [Double], _ k: Int) -> [Int] {
        Array(values.indices.sorted { values[$0] != values[$1] ? values[$0] < values[$1] : $0 < $1 }.prefix(k)).sorted()
    }

    func testLocalSparesTheEndsAndKeepsTheModelWideAmount() throws {
        let imp = importances()
        let rows = try LLMRank.rowsToPrune(importances: imp, mlps: [modules], pruner: pruner("local(spare_first: 1, spare_last: 1)"), amount: 0.3)
        // 40 rows, 20 not spared: each open block loses 0.3 · 40 / 20 = 0.6 of its 10 rows, 6, the lowest.
        XCTAssertEqual(rows[modules[0]], [])
        XCTAssertEqual(rows[modules[3]], [])
        for l in [1, 2] { XCTAssertEqual(rows[modules[l]], lowest(imp[modules[l]]!, 6), "block \(l)") }
        XCTAssertEqual(rows.values.reduce(0) { $0 + $1.count }, 12)
        // Without sparing, as before: round(0.3 · 10) = 3 in every block.
        let plain = try LLMRank.rowsToPrune(importances: imp, mlps: [modules], pruner: pruner("local"), amount: 0.3)
        for m in modules { XCTAssertEqual(plain[m], lowest(imp[m]!, 3)) }
    }

    func testGlobalRanksOnlyTheBlocksNotSpared() throws {
        let imp = importances()
        let rows = try LLMRank.rowsToPrune(importances: imp, mlps: [modules], pruner: pruner("global(spare_first: 2)"), amount: 0.25)
        // 0.25 · 40 / 20 = 0.5 of the 20 open rows: ceil(10) lowest over blocks 2 and 3 together.
        XCTAssertEqual(rows[modules[0]], [])
        XCTAssertEqual(rows[modules[1]], [])
        let open = [2, 3].flatMap { l in imp[modules[l]]!.enumerated().map { (value: $0.element, layer: l, row: $0.offset) } }
        let chosen = open.indices.sorted { open[$0].value != open[$1].value ? open[$0].value < open[$1].value : $0 < $1 }.prefix(10)
        for l in [2, 3] {
            XCTAssertEqual(rows[modules[l]], chosen.filter { open[$0].layer == l }.map { open[$0].row }.sorted(), "block \(l)")
        }
    }

    func testImpossibleSparingIsRefusedByName() throws {
        let imp = importances()
        XCTAssertThrowsError(try LLMRank.rowsToPrune(importances: imp, mlps: [modules], pruner: pruner("local(spare_first: 2, spare_last: 2)"), amount: 0.3)) { error in
            XCTAssertTrue("\(error)".contains("spares every one of the model's 4 blocks"), "\(error)")
        }
        // 0.6 of all rows is 1.2 of the open ones.
        XCTAssertThrowsError(try LLMRank.rowsToPrune(importances: imp, mlps: [modules], pruner: pruner("local(spare_last: 2)"), amount: 0.6)) { error in
            XCTAssertTrue("\(error)".contains("1.200 of the rows of the blocks not spared"), "\(error)")
        }
        XCTAssertThrowsError(try pruner("local(spare_first: -1)"))
        XCTAssertThrowsError(try pruner("budget(spare_first: 1)"))
        let config = LlamaConfig(hiddenSize: 64, intermediateSizes: [96, 96], numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2,
                                 headDim: 16, vocabSize: 100, ropeTheta: 10000, rmsNormEps: 1e-5, tieWordEmbeddings: false, maxPositionEmbeddings: 256)
        XCTAssertThrowsError(try UnitPruning.select([[1, 2], [3, 4]], unit: .head, config: config, pipeline: .chained,
                                                    pruner: pruner("local(spare_first: 1)"), amount: 0.5)) { error in
            XCTAssertTrue("\(error)".contains("heads are chosen across blocks without it"), "\(error)")
        }
    }

    func testTooMuchSparingIsRefusedBeforeCalibration() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let path = folder.appendingPathComponent("tiny.gguf").path
        try TinyLlama(seed: 31) { $0.layers = 2 }.write(to: path)
        // The calibration file does not exist: had calibration started, that would be the error.
        let missing = CalibrationSpec(path: folder.appendingPathComponent("missing.txt").path, samples: 2, seqlen: 16, seed: 1)
        let cell = Cell(model: path, calibration: missing, structure: .neurons, pipeline: .chained, scorer: ComponentSpec(name: "neuron_output"),
                        pruner: try ComponentSpec.parse("local(spare_last: 1)"), amount: 0.5)
        XCTAssertThrowsError(try CellRunner(modelPath: path, cache: nil).run(cell)) { error in
            XCTAssertTrue("\(error)".contains("1.000 of the rows of the blocks not spared"), "\(error)")
        }
        var fine = cell
        fine.amount = 0.3
        XCTAssertThrowsError(try CellRunner(modelPath: path, cache: nil).run(fine)) { error in
            XCTAssertTrue("\(error)".contains("missing.txt"), "\(error)")
        }
    }
}
