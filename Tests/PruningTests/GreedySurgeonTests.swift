import XCTest
@testable import Pruning
import Tensor
import Llama

/// obs(greedy: true) against a brute-force greedy written here: at every step, refit the down_proj and
/// intercept for each candidate set by solving the ridge normal equations from scratch (Gaussian
/// elimination on the raw activations), and remove the neuron whose removal leaves the smallest error.
final class GreedySurgeonTests: XCTestCase {
    /// A seeded stream of numbers in (-1, 1).
    struct Numbers {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
    }

    /// Solves the square system M x = r by Gaussian elimination with partial pivoting.
    func solve(_ m: [[Double]], _ r: [Double]) -> [Double] {
        var a = m, b = r
        let n = b.count
        for c in 0..<n {
            let p = (c..<n).max { abs(a[$0][c]) < abs(a[$1][c]) }!
            a.swapAt(c, p); b.swapAt(c, p)
            for i in (c + 1)..<n {
                let f = a[i][c] / a[c][c]
                for j in c..<n { a[i][j] -= f * a[c][j] }
                b[i] -= f * b[c]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            x[i] = (b[i] - ((i + 1)..<n).reduce(0) { $0 + a[i][$1] * x[$1] }) / a[i][i]
        }
        return x
    }

    /// min over W_K, b of ‖Y − H_K W_Kᵀ − 1bᵀ‖² + λ‖W_K‖², one output channel at a time.
    func error(h: [[Double]], y: [[Double]], kept: [Int], lambda: Double) -> Double {
        let n = h.count, m = kept.count + 1
        // Columns: the kept neurons, then the constant one.
        let x = h.map { row in kept.map { row[$0] } + [1] }
        var normal = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        for i in 0..<m { for j in 0..<m { normal[i][j] = (0..<n).reduce(0) { $0 + x[$1][i] * x[$1][j] } } }
        for i in 0..<(m - 1) { normal[i][i] += lambda }
        var total = 0.0
        for c in 0..<y[0].count {
            let rhs = (0..<m).map { i in (0..<n).reduce(0) { $0 + x[$1][i] * y[$1][c] } }
            let w = solve(normal, rhs)
            for t in 0..<n {
                let fit = (0..<m).reduce(0) { $0 + x[t][$1] * w[$1] }
                total += (y[t][c] - fit) * (y[t][c] - fit)
            }
            total += lambda * w.dropLast().reduce(0) { $0 + $1 * $1 }
        }
        return total
    }

    func testRemovalOrderIsTheBruteForceGreedyOne() throws {
        var numbers = Numbers(state: 7)
        let tokens = 40, width = 7, hidden = 4, ridge = 0.01
        // Correlated activations (neuron 3 is nearly neuron 0 + neuron 1), some with an offset.
        var h = (0..<tokens).map { _ in (0..<width).map { _ in numbers.next() } }
        for t in 0..<tokens {
            h[t][3] = h[t][0] + h[t][1] + 0.05 * numbers.next()
            h[t][5] += 0.7
        }
        let down = Matrix(rows: hidden, columns: width)
        for r in 0..<hidden { for c in 0..<width { down.row(r)[c] = Float(numbers.next()) } }
        let y = h.map { row in (0..<hidden).map { r in (0..<width).reduce(0) { $0 + row[$1] * Double(down.row(r)[$1]) } } }
        var gram = [Double](repeating: 0, count: width * width)
        for i in 0..<width { for j in 0..<width { gram[i * width + j] = (0..<tokens).reduce(0) { $0 + h[$1][i] * h[$1][j] } } }
        let sums = (0..<width).map { j in (0..<tokens).reduce(0) { $0 + h[$1][j] } }
        let lambda = ridge * (0..<width).reduce(0) { $0 + gram[$1 * width + $1] } / Double(width)

        var kept = Array(0..<width), order: [Int] = []
        while kept.count > 1 {
            let costs = kept.map { j in error(h: h, y: y, kept: kept.filter { $0 != j }, lambda: lambda) }
            let j = kept[costs.indices.min { costs[$0] < costs[$1] }!]
            order.append(j)
            kept.removeAll { $0 == j }
        }
        order += kept

        let scores = try GreedySurgeon.scores(gram: gram, sums: sums, tokens: tokens, down: down, ridge: ridge)
        let byScore = scores.indices.sorted { scores[$0] < scores[$1] }
        XCTAssertEqual(byScore, order)
        // Strictly increasing along the order, so any pruner's ranking follows it.
        for (a, b) in zip(byScore, byScore.dropFirst()) { XCTAssertLessThan(scores[a], scores[b]) }
    }

    func testGreedyIsAScorerParameter() throws {
        let scorer = try ScorerRegistry.make(ComponentSpec.parse("obs(greedy: true)"))
        var x = ScoringInput(weight: Matrix(rows: 2, columns: 1), previous: [1], inputNorms: [1], outputNorms: [1, 1],
                             module: LinearModule(layer: 3, kind: .up))
        x.neurons = NeuronInputs(norm: [1, 1], mean: [0, 0], variance: [0, 0], downColumnNorms: [1, 1], gram: [1, 0, 0, 1])
        XCTAssertThrowsError(try scorer.score(x)) { XCTAssertTrue("\($0)".contains("block 3")) }
        x.neurons?.down = Matrix(rows: 1, columns: 2)
        x.neurons?.down!.row(0)[0] = 2
        x.neurons?.down!.row(0)[1] = 1
        x.neurons?.tokens = 1
        // Orthonormal activations: the neuron that writes less goes first.
        let s = try scorer.score(x)
        XCTAssertLessThan(s[1], s[0])
    }
}
