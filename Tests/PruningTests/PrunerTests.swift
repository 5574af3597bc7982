@testable import Pruning
import Llama
import XCTest

final class PrunerTests: XCTestCase {
    func pruner(_ text: String) throws -> any Pruner { try PrunerRegistry.make(ComponentSpec.parse(text)) }

    func testLocalRoundsHalfToEvenLikePython() throws {
        let local = try pruner("local")
        let layer = (0..<1536).map { Double($0 % 97) }
        // Python: round(0.3 * 1536) = round(460.8) = 461; round(0.3 * 576) = round(172.8) = 173.
        XCTAssertEqual(local.rowsToPrune([layer], amount: 0.3)[0].count, 461)
        XCTAssertEqual(local.rowsToPrune([Array(layer.prefix(576))], amount: 0.3)[0].count, 173)
        // round(2.5) = 2 and round(1.5) = 2 (half to even), round(0.5) = 0.
        XCTAssertEqual(local.rowsToPrune([[1, 2, 3, 4, 5]], amount: 0.5)[0].count, 2)
        XCTAssertEqual(local.rowsToPrune([[1, 2, 3]], amount: 0.5)[0].count, 2)
        XCTAssertEqual(local.rowsToPrune([[1]], amount: 0.5)[0].count, 0)
    }

    func testLocalTakesTheLowestAndBreaksTiesByIndex() throws {
        let rows = try pruner("local").rowsToPrune([[0.4, 0.1, 0.2, 0.1, 0.2], [3, 1, 2]], amount: 0.6)
        // Layer 0: round(3.0) = 3 rows: 0.1 (1), 0.1 (3), then the tie 0.2 at 2 and 4 goes to index 2.
        XCTAssertEqual(rows[0], [1, 2, 3])
        // Layer 1: round(1.8) = 2 rows: values 1 and 2.
        XCTAssertEqual(rows[1], [1, 2])
    }

    func testGlobalUsesCeilAndSharesOutByRank() throws {
        // Two layers, 4 + 2 rows; ceil(0.5 · 6) = 3 lowest overall: 0.05 (L1), 0.1 (L0), 0.15 (L0).
        let importances: [[Double]] = [[0.4, 0.1, 0.35, 0.15], [0.95, 0.05]]
        XCTAssertEqual(try pruner("global").rowsToPrune(importances, amount: 0.5), [[1, 3], [1]])
        // ceil(0.1 · 6) = ceil(0.6) = 1.
        XCTAssertEqual(try pruner("global").rowsToPrune(importances, amount: 0.1), [[], [1]])
        // ceil, not round: 0.25 · 10 = 2.5 → 3 rows (local would take round(2.5) = 2).
        let ten = [(0..<10).map { Double($0) }]
        XCTAssertEqual(try pruner("global").rowsToPrune(ten, amount: 0.25)[0].count, 3)
        XCTAssertEqual(try pruner("local").rowsToPrune(ten, amount: 0.25)[0].count, 2)
    }

    func testGlobalBalancedByWidthRanksImportanceTimesRows() throws {
        // Per-layer importances sum to 1: the wide layer's entries are small. Plain global takes all
        // of its rows first; balanced, the entries compare as importance × rows.
        let wide = [Double](repeating: 1.0 / 6, count: 6), narrow = [0.5, 0.3, 0.2]
        XCTAssertEqual(try pruner("global").rowsToPrune([wide, narrow], amount: 0.3), [[0, 1, 2], []])
        // × rows: wide entries become 1.0, narrow ones 1.5, 0.9, 0.6 → the two lowest are narrow rows 2 and 1,
        // then the first wide row.
        XCTAssertEqual(try pruner("global(balance: width)").rowsToPrune([wide, narrow], amount: 0.3), [[0], [1, 2]])
    }

    func testAmountsOutsideTheRangeAreRefused() {
        for bad in [1.0, 1.5, -0.1, Double.nan] {
            XCTAssertThrowsError(try checkAmount(bad)) { XCTAssertTrue("\($0)".hasPrefix("amount must lie in [0, 1), got"), "\($0)") }
        }
        XCTAssertNoThrow(try checkAmount(0))
        XCTAssertNoThrow(try checkAmount(0.99))
    }

    func testUnknownPrunerAndBadBalance() {
        XCTAssertThrowsError(try pruner("globl")) { XCTAssertEqual("\($0)", "unknown pruner `globl`; known pruners: local, global, budget") }
        XCTAssertThrowsError(try pruner("global(balance: depth)")) { XCTAssertEqual("\($0)", "global: balance must be one of none, width, got depth") }
    }

    /// Parameter errors carry their parameter apart from the message, for carets.
    func testParameterErrorsNameTheirParameter() {
        XCTAssertThrowsError(try pruner("global(balance: depth)")) { XCTAssertEqual(($0 as? PruningError)?.subject, .parameterValue("balance")) }
        XCTAssertThrowsError(try pruner("local(balance: width)")) { XCTAssertEqual(($0 as? PruningError)?.subject, .parameterName("balance")) }
        XCTAssertThrowsError(try pruner("global(balance: width, balance: none)")) { XCTAssertEqual(($0 as? PruningError)?.subject, .parameterName("balance")) }
    }

    /// Structure errors carry the block list or module they are about: the module whose inputs do not
    /// fit the module before it, or the second place of a module named twice.
    func testStructureErrorsNameTheirModule() {
        // hidden 64, FFN 96: up_proj is [96, 64], down_proj [64, 96].
        let config = LlamaConfig(hiddenSize: 64, intermediateSizes: [96, 96], numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 4,
                                 headDim: 16, vocabSize: 100, ropeTheta: 10_000, rmsNormEps: 1e-5, tieWordEmbeddings: false, maxPositionEmbeddings: 128)
        func subject(_ structure: PruningStructure, _ pipeline: Pipeline = .isolated) -> PruningError.Subject? {
            do { _ = try pipeline.checkedMLPs(structure.resolve(config), config: config); return nil } catch { return (error as? PruningError)?.subject }
        }
        XCTAssertEqual(subject(PruningStructure(layersPath: "model.blocks")), .blockList("model.blocks"))
        XCTAssertEqual(subject(PruningStructure(chain: ["mlp.up_proj", "mlp.dwn_proj"])), .module("mlp.dwn_proj"))
        XCTAssertEqual(subject(PruningStructure(chain: ["mlp.up_proj", "mlp.down_proj", "mlp.up_proj"])), .module("mlp.up_proj"))
        // up_proj's 96 outputs cannot feed q_proj's 64 inputs.
        XCTAssertEqual(subject(PruningStructure(chain: ["mlp.up_proj", "self_attn.q_proj"])), .module("self_attn.q_proj"))
        // Chained, layer 1's up_proj (64 inputs) follows layer 0's up_proj (96 outputs).
        XCTAssertEqual(subject(PruningStructure(chain: ["mlp.up_proj"]), .chained), .module("mlp.up_proj"))
        XCTAssertEqual(subject(PruningStructure(chain: ["mlp.up_proj"]), .isolated), nil)
        XCTAssertEqual(subject(PruningStructure(), .chained), nil)
    }

    /// Neither pruner removes a module's last row: an empty module cannot be stored as a model file.
    /// Local caps round(amount · rows) at rows − 1; global passes over rows of a module down to its
    /// last one and takes the next lowest elsewhere, so it still removes ceil(amount · total) when it can.
    func testNoPrunerEmptiesAModule() throws {
        let local = try pruner("local")
        // round(0.9 · 3) = 3 → 2; round(0.99 · 1) = 1 → 0.
        XCTAssertEqual(local.rowsToPrune([[3, 1, 2], [5]], amount: 0.9), [[1, 2], []])
        // The wide layer's normalised entries are all below the narrow one's: plain global would take all 6.
        let wide = [Double](repeating: 1.0 / 6, count: 6), narrow = [0.5, 0.3, 0.2]
        let global = try pruner("global")
        // ceil(0.7 · 9) = 7: five wide rows (not the sixth), then the two lowest narrow ones.
        XCTAssertEqual(global.rowsToPrune([wide, narrow], amount: 0.7), [[0, 1, 2, 3, 4], [1, 2]])
        // ceil(0.95 · 9) = 9 rows cannot go without emptying a layer: all but one of each.
        XCTAssertEqual(global.rowsToPrune([wide, narrow], amount: 0.95), [[0, 1, 2, 3, 4], [1, 2]])
        XCTAssertEqual(try pruner("global(balance: width)").rowsToPrune([[0.1], [0.9, 0.1]], amount: 0.6), [[], [1]])
    }

    /// rowsToPrune is public: amounts that `checkAmount` refuses must not trap there either.
    func testUncheckedAmountsDoNotTrap() throws {
        for name in ["local", "global"] {
            let p = try pruner(name)
            for amount in [Double.nan, -.infinity, -1, .infinity, 1e300, 1] {
                let rows = p.rowsToPrune([[3, 1, 2], [4, 5]], amount: amount)
                XCTAssertTrue(rows[0].count <= 2 && rows[1].count <= 1, "\(name) at \(amount): \(rows)")
            }
        }
    }
}
