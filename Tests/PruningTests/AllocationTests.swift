@testable import Pruning
import Llama
import Tensor
import XCTest

/// Cross-block allocation: `global(scores: raw)` and `global(spread: s)` against a brute force written
/// here (every split of the removed count between the blocks within their bounds, keeping the one whose
/// removed scores sum least), and the refusals of combinations where raw scores do not compare.
final class AllocationTests: XCTestCase {
    func pruner(_ text: String) throws -> any Pruner { try PrunerRegistry.make(ComponentSpec.parse(text)) }

    /// Hand-made removal costs of three blocks on different scales, all distinct.
    let costs: [[Double]] = [
        [0.9, 0.02, 4.0, 0.3, 1.7],
        [12.0, 0.5, 2.5, 30.0],
        [0.07, 5.5, 0.11, 0.6, 9.0, 0.04],
    ]

    /// Removed indices of each block: the split of `total` rows with `low[l]...high[l]` rows in block l
    /// whose removed costs (each block's cheapest) sum least, tried exhaustively.
    func bruteForce(_ lists: [[Double]], total: Int, low: [Int], high: [Int]) -> [[Int]] {
        var best: (sum: Double, counts: [Int])? = nil
        func walk(_ l: Int, _ counts: [Int]) {
            guard l < lists.count else {
                guard counts.reduce(0, +) == total else { return }
                let sum = zip(lists, counts).reduce(0.0) { $0 + $1.0.sorted().prefix($1.1).reduce(0, +) }
                if best == nil || sum < best!.sum { best = (sum, counts) }
                return
            }
            for c in low[l]...high[l] { walk(l + 1, counts + [c]) }
        }
        walk(0, [])
        return zip(lists, best!.counts).map { list, c in
            list.indices.sorted { list[$0] < list[$1] }.prefix(c).sorted()
        }
    }

    func testRawScoresAgainstTheBruteForce() throws {
        let raw = try pruner("global(scores: raw)")
        let n = costs.reduce(0) { $0 + $1.count }
        for amount in [0.1, 0.2, 0.3, 0.5, 0.7] {
            let total = Int((amount * Double(n)).rounded(.up))
            let expected = bruteForce(costs, total: total, low: costs.map { _ in 0 }, high: costs.map { $0.count - 1 })
            XCTAssertEqual(raw.rowsToPrune(costs, amount: amount), expected, "amount \(amount)")
        }
        // At 0.3 of 15 rows, the 5 cheapest overall: 0.02, 0.3 (block 0), 0.04, 0.07, 0.11 (block 2).
        XCTAssertEqual(raw.rowsToPrune(costs, amount: 0.3), [[1, 3], [], [0, 2, 5]])
    }

    func testSpreadBoundsEachBlockAgainstTheBruteForce() throws {
        let n = costs.reduce(0) { $0 + $1.count }
        for spread in [0.0, 0.5, 1.0] {
            let bounded = try pruner("global(scores: raw, spread: \(spread))")
            for amount in [0.2, 0.3, 0.5] {
                let total = Int((amount * Double(n)).rounded(.up))
                let low = costs.map { Int(((1 - spread) * amount * Double($0.count)).rounded(.down)) }
                let high = costs.map { min(Int(((1 + spread) * amount * Double($0.count)).rounded(.up)), $0.count - 1) }
                // Where the bounds cannot reach the total, as many as they allow.
                let reachable = min(total, high.reduce(0, +))
                let expected = bruteForce(costs, total: reachable, low: low, high: high)
                XCTAssertEqual(bounded.rowsToPrune(costs, amount: amount), expected, "spread \(spread), amount \(amount)")
            }
        }
        // Spread 0 at 0.3: every block loses 1 or 2 rows (floor and ceil of 1.5, 1.2, 1.8); block 1 its
        // cheapest (0.5), block 2 two (0.04, 0.07), then block 0's second (0.3) rather than block 2's third.
        XCTAssertEqual(try pruner("global(scores: raw, spread: 0)").rowsToPrune(costs, amount: 0.3), [[1, 3], [1], [0, 5]])
    }

    /// Without scores: raw, spread bounds normalised importances just the same; absent, global is unchanged.
    func testSpreadAlsoBoundsNormalisedImportances() throws {
        let wide = [Double](repeating: 1.0 / 6, count: 6), narrow = [0.5, 0.3, 0.2]
        // Unbounded, global takes three wide rows (testGlobalBalancedByWidthRanksImportanceTimesRows);
        // spread 0: floor(0.3 · 6) = 1 ... ceil(0.3 · 6) = 2 wide rows, 0 ... 1 narrow row.
        XCTAssertEqual(try pruner("global").rowsToPrune([wide, narrow], amount: 0.3), [[0, 1, 2], []])
        XCTAssertEqual(try pruner("global(spread: 0)").rowsToPrune([wide, narrow], amount: 0.3), [[0, 1], [2]])
    }

    func testBadParametersAreRefusedClearly() {
        XCTAssertThrowsError(try pruner("global(scores: unit)")) {
            XCTAssertEqual("\($0)", "global: scores must be one of normalised, raw, got unit")
            XCTAssertEqual(($0 as? PruningError)?.subject, .parameterValue("scores"))
        }
        XCTAssertThrowsError(try pruner("global(spread: 1.5)")) { XCTAssertEqual("\($0)", "global: spread must lie in [0, 1], got 1.5") }
        XCTAssertThrowsError(try pruner("global(spread: wide)")) { XCTAssertEqual("\($0)", "global: spread must be a number, got wide") }
        XCTAssertThrowsError(try pruner("global(scores: raw, balance: width)")) {
            XCTAssertTrue("\($0)".hasPrefix("global: balance: width rescales importances normalised per layer"), "\($0)")
        }
        XCTAssertThrowsError(try pruner("local(scores: raw)")) { XCTAssertEqual("\($0)", "local has no parameter scores; it takes: spare_first, spare_last") }
    }

    func testRawScoresNeedAScorerInCommonUnitsWholeNeuronsAndTheChainedPipeline() throws {
        let raw = try ComponentSpec.parse("global(scores: raw)"), obs = try ComponentSpec.parse("obs(greedy: true)")
        XCTAssertNoThrow(try PrunerRegistry.checkScores(pruner: raw, scorer: obs, structure: .neurons, pipeline: .chained))
        XCTAssertThrowsError(try PrunerRegistry.checkScores(pruner: raw, scorer: ComponentSpec(name: "fluctuation"), structure: .neurons, pipeline: .chained)) {
            XCTAssertEqual("\($0)", "pruner global(scores: raw) ranks raw scores across blocks, but scorer fluctuation's scores compare only within a module; use a scorer whose scores share units across blocks (obs) or the pruner without scores: raw")
        }
        XCTAssertThrowsError(try PrunerRegistry.checkScores(pruner: raw, scorer: obs, structure: PruningStructure(), pipeline: .chained)) {
            XCTAssertEqual("\($0)", "pruner global(scores: raw) ranks raw scores of whole neurons across blocks; the structure mlp.up_proj -> mlp.down_proj is not whole neurons (use mlp.neurons)")
        }
        XCTAssertThrowsError(try PrunerRegistry.checkScores(pruner: raw, scorer: obs, structure: .neurons, pipeline: .isolated)) {
            XCTAssertEqual("\($0)", "pruner global(scores: raw) ranks raw scores across blocks, but the isolated pipeline prunes each block alone; use the chained pipeline")
        }
        // Other pruners are not concerned.
        XCTAssertNoThrow(try PrunerRegistry.checkScores(pruner: ComponentSpec(name: "global"), scorer: ComponentSpec(name: "fluctuation"),
                                                        structure: PruningStructure(), pipeline: .isolated))
    }

    /// obs(relative: output) divides each block's scores by Σ_t ‖W_down h_t‖², computed here from the
    /// activations themselves rather than through the Gram matrix.
    func testRelativeScoresAreSharesOfTheDenseOutputEnergy() throws {
        var numbers = GreedySurgeonTests.Numbers(state: 11)
        let tokens = 30, width = 5, hidden = 3
        let h = (0..<tokens).map { _ in (0..<width).map { _ in numbers.next() + 0.2 } }
        let down = Matrix(rows: hidden, columns: width)
        for r in 0..<hidden { for c in 0..<width { down.row(r)[c] = Float(numbers.next()) } }
        var energy = 0.0
        for t in 0..<tokens {
            for r in 0..<hidden {
                let y = (0..<width).reduce(0.0) { $0 + Double(down.row(r)[$1]) * h[t][$1] }
                energy += y * y
            }
        }
        var gram = [Double](repeating: 0, count: width * width)
        for i in 0..<width { for j in 0..<width { gram[i * width + j] = (0..<tokens).reduce(0) { $0 + h[$1][i] * h[$1][j] } } }
        var x = ScoringInput(weight: Matrix(rows: width, columns: 1), previous: [1], inputNorms: [1], outputNorms: [Double](repeating: 1, count: width),
                             module: LinearModule(layer: 0, kind: .up))
        let mean = (0..<width).map { j in (0..<tokens).reduce(0) { $0 + h[$1][j] } / Double(tokens) }
        x.neurons = NeuronInputs(norm: [Double](repeating: 1, count: width), mean: mean, variance: [Double](repeating: 0, count: width),
                                 downColumnNorms: LLMRank.columnNorms(down), gram: gram)
        x.neurons?.down = down
        x.neurons?.tokens = tokens
        for greedy in [false, true] {
            let absolute = try ScorerRegistry.make(ComponentSpec.parse("obs(greedy: \(greedy), ridge: 0.01)")).score(x)
            let relative = try ScorerRegistry.make(ComponentSpec.parse("obs(greedy: \(greedy), ridge: 0.01, relative: output)")).score(x)
            for (a, r) in zip(absolute, relative) { XCTAssertEqual(r, a / energy, accuracy: 1e-12 * max(1, a / energy)) }
        }
        XCTAssertThrowsError(try ScorerRegistry.make(ComponentSpec.parse("obs(relative: input)"))) {
            XCTAssertEqual("\($0)", "obs: relative must be one of none, output, got input")
        }
        XCTAssertNotNil(try ScorerRegistry.make(ComponentSpec.parse("obs(relative: output)")).commonUnit)
        XCTAssertNil(try ScorerRegistry.make(ComponentSpec.parse("neuron_output")).commonUnit)
    }
}
