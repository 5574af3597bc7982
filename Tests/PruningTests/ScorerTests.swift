import Llama
@testable import Pruning
import Tensor
import XCTest

/// Each scorer on small hand-made matrices, against values worked out by hand or by a deliberately
/// naive implementation written here from the definitions.
final class ScorerTests: XCTestCase {
    // W = [[1, -2, 0], [0, 3, 0], [-4, 0, 0]]: a zero column (0/0 in wpr) and zeros inside rows.
    let w = Matrix(rows: 3, columns: 3, values: [1, -2, 0, 0, 3, 0, -4, 0, 0])
    let module = LinearModule(layer: 0, kind: .up)

    func input(previous: [Double] = [0.5, 0.3, 0.2], inputs: [Double] = [2, 1, 4], outputs: [Double] = [1, 2, 5]) -> ScoringInput {
        ScoringInput(weight: w, previous: previous, inputNorms: inputs, outputNorms: outputs, module: module)
    }

    func make(_ text: String) throws -> any Scorer { try ScorerRegistry.make(ComponentSpec.parse(text)) }

    func testNorm() throws {
        XCTAssertEqual(try make("norm").score(input()), [3, 3, 4])
        let l2 = try make("norm(p: 2)").score(input())
        XCTAssertEqual(l2[0], 5.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(l2[1], 3, accuracy: 1e-12)
        XCTAssertEqual(l2[2], 4, accuracy: 1e-12)
    }

    func testNeuronScorersByHand() throws {
        // Three neurons: ‖h‖ = [3, 0, 2], variance [1, 4, 9], ‖W_down[:, j]‖ = [2, 5, 0.5].
        var x = input()
        x.neurons = NeuronInputs(norm: [3, 0, 2], mean: [0.5, -1, 0], variance: [1, 4, 9], downColumnNorms: [2, 5, 0.5])
        XCTAssertEqual(try make("neuron_norm").score(x), [3, 0, 2])
        XCTAssertEqual(try make("neuron_output").score(x), [6, 0, 1])
        // FLAP's fluctuation: variance · ‖W_down[:, j]‖² = [1·4, 4·25, 9·0.25].
        XCTAssertEqual(try make("fluctuation").score(x), [4, 100, 2.25])
        XCTAssertTrue(ScorerRegistry.all.filter { $0.scoresNeurons }.map { $0.name } == ["neuron_norm", "neuron_output", "fluctuation", "obs"])
    }

    func testSurgeonScoreByHand() throws {
        // G = [[2, 1, 0], [1, 2, 0], [0, 0, 4]]: neurons 0 and 1 explain each other in part. With no ridge
        // to speak of, (G⁻¹)_00 = (G⁻¹)_11 = 2/3 and (G⁻¹)_22 = 1/4, so the scores are ‖W_j‖² / (G⁻¹)_jj.
        var x = input()
        x.neurons = NeuronInputs(norm: [1, 1, 2], mean: [0, 0, 0], variance: [0, 0, 0], downColumnNorms: [2, 5, 0.5],
                                 gram: [2, 1, 0, 1, 2, 0, 0, 0, 4])
        let s = try make("obs(ridge: 0.000000001)").score(x)
        let expected = [4 * 1.5, 25 * 1.5, 0.25 * 4]
        for (a, b) in zip(s, expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testActivationIsTheOutputNorm() throws {
        XCTAssertEqual(try make("activation").score(input()), [1, 2, 5])
    }

    func testWandaUsesTheRawInputStatistic() throws {
        // |W|·in: [1·2 + 2·1, 3·1, 4·2] (not the normalised previous importance).
        XCTAssertEqual(try make("wanda").score(input()), [4, 3, 8])
    }

    func testModifiedPageRank() throws {
        // (|W|·prev) ⊙ out = [0.5 + 0.6, 0.9, 2.0] ⊙ [1, 2, 5].
        let s = try make("mpr").score(input())
        XCTAssertEqual(s[0], 1.1, accuracy: 1e-12)
        XCTAssertEqual(s[1], 1.8, accuracy: 1e-12)
        XCTAssertEqual(s[2], 10, accuracy: 1e-12)
        // z_importance with amount 0.4: int(0.4·3) = 1 smallest entry of prev (0.2, the zero column) → 0;
        // with amount 0.7: int(2.1) = 2 → prev = [0.5, 0, 0], scores [0.5, 0, 2] ⊙ out.
        XCTAssertEqual(try make("mpr(z_importance: true, amount: 0.4)").score(input()).map { ($0 * 1e9).rounded() / 1e9 }, [1.1, 1.8, 10])
        XCTAssertEqual(try make("mpr(z_importance: true, amount: 0.7)").score(input()).map { ($0 * 1e9).rounded() / 1e9 }, [0.5, 0, 10])
    }

    func testWeightedPageRankByHand() throws {
        // Column sums of |W|: [5, 5, 0]; non-zeros per column: [2, 2, 0].
        // C = [[.2, .4, 0], [0, .6, 0], [.8, 0, 0]], B = [[.5, .5, 0], [0, .5, 0], [.5, 0, 0]].
        // θ = 0.5: M = [[.35, .45, 0], [0, .55, 0], [.65, 0, 0]]; M·prev = [.31, .165, .325].
        // γ = 0.5: 0.5·M·prev + 0.5·out/8.
        let s = try make("wpr(gamma: 0.5)").score(input())
        let expected = [0.5 * 0.31 + 0.5 / 8, 0.5 * 0.165 + 0.5 * 2 / 8, 0.5 * 0.325 + 0.5 * 5 / 8]
        for (a, b) in zip(s, expected) { XCTAssertEqual(a, b, accuracy: 1e-12) }
    }

    func testWeightedPageRankAgainstNaiveMatrices() throws {
        var rng = SystemRandomNumberGenerator()
        for trial in 0..<5 {
            let rows = 7, columns = 5
            var values = (0..<rows * columns).map { _ in Float.random(in: -1...1, using: &rng) }
            for i in values.indices where i % 4 == trial % 4 { values[i] = 0 }       // scattered zeros
            for r in 0..<rows { values[r * columns + 2] = 0 }                          // an all-zero column
            let weight = Matrix(rows: rows, columns: columns, values: values)
            let prev = (0..<columns).map { _ in Double.random(in: 0...1, using: &rng) }
            let total = prev.reduce(0, +)
            let previous = prev.map { $0 / total }
            let out = (0..<rows).map { _ in Double.random(in: 0...3, using: &rng) }
            let gamma = Double.random(in: 0...1, using: &rng), theta = Double.random(in: 0...1, using: &rng)
            // Naive: build B, C and M explicitly.
            let a = values.map { Double(abs($0)) }
            var m = [[Double]](repeating: [Double](repeating: 0, count: columns), count: rows)
            for c in 0..<columns {
                let colSum = (0..<rows).reduce(0.0) { $0 + a[$1 * columns + c] }
                let degree = (0..<rows).reduce(0.0) { $0 + (a[$1 * columns + c] != 0 ? 1 : 0) }
                for r in 0..<rows {
                    let cc = colSum == 0 ? 0 : a[r * columns + c] / colSum
                    let bb = degree == 0 ? 0 : (a[r * columns + c] != 0 ? 1 : 0) / degree
                    m[r][c] = theta * cc + (1 - theta) * bb
                }
            }
            let outTotal = out.reduce(0, +)
            let expected = (0..<rows).map { r in
                gamma * (0..<columns).reduce(0.0) { $0 + m[r][$1] * previous[$1] } + (1 - gamma) * out[r] / outTotal
            }
            let spec = ComponentSpec(name: "wpr", parameters: ["gamma": .number(gamma), "theta": .number(theta)])
            let got = try ScorerRegistry.make(spec).score(
                ScoringInput(weight: weight, previous: previous, inputNorms: [], outputNorms: out, module: module))
            for (g, e) in zip(got, expected) { XCTAssertEqual(g, e, accuracy: 1e-12) }
        }
    }

    func testWeightedPageRankWithGammaZeroRanksLikeActivation() throws {
        let wpr = try make("wpr").score(input()), act = try make("activation").score(input())
        XCTAssertEqual(Ranking.ascending(wpr), Ranking.ascending(act))
        XCTAssertEqual(wpr, act.map { $0 / 8 })
    }

    func testRandomIsSeededAndUniform() throws {
        let a = try make("random(seed: 3)").score(input()), b = try make("random(seed: 3)").score(input())
        let c = try make("random(seed: 4)").score(input())
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertTrue(a.allSatisfy { $0 >= 0 && $0 < 1 })
    }

    func testBadSpecsNameTheProblem() {
        func message(_ text: String) -> String {
            do { _ = try ScorerRegistry.make(ComponentSpec.parse(text)); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("pagerank"), "unknown scorer `pagerank`; known scorers: norm, random, activation, wanda, wpr, mpr, neuron_norm, neuron_output, fluctuation, obs, head_norm, head_output, head_fluctuation, head_rank, block_influence, angular_distance, contribution")
        XCTAssertEqual(message("wpr(gamma: 1.5)"), "wpr: gamma must lie in [0, 1], got 1.5")
        XCTAssertEqual(message("wpr(theta: -0.1)"), "wpr: theta must lie in [0, 1], got -0.1")
        XCTAssertEqual(message("wpr(damping: 0.5)"), "wpr has no parameter damping; it takes: gamma, theta")
        XCTAssertEqual(message("activation(x: 1)"), "activation has no parameter x (it takes none)")
        XCTAssertEqual(message("mpr(z_importance: 3)"), "mpr: z_importance must be true or false, got 3")
        XCTAssertEqual(message("wpr(gamma 0.5)"), "cannot read \"gamma 0.5\" in \"wpr(gamma 0.5)\": expected key: value")
    }

    /// Each parameter error says which parameter it is about, and whether its name or its value is wrong,
    /// apart from the message's wording (the script checker puts its caret there).
    func testParameterErrorsNameTheirParameter() {
        func subject(_ spec: ComponentSpec) -> PruningError.Subject? {
            do { _ = try ScorerRegistry.make(spec); return nil } catch { return (error as? PruningError)?.subject }
        }
        XCTAssertEqual(subject(ComponentSpec(name: "wpr", parameters: ["gamma": .number(1.5)])), .parameterValue("gamma"))
        XCTAssertEqual(subject(ComponentSpec(name: "wpr", parameters: ["theta": .bool(true)])), .parameterValue("theta"))
        XCTAssertEqual(subject(ComponentSpec(name: "wpr", parameters: ["damping": .number(1), "zeta": .number(1)])), .parameterName("damping"))
        XCTAssertEqual(subject(ComponentSpec(name: "mpr", parameters: ["z_importance": .number(3)])), .parameterValue("z_importance"))
        XCTAssertEqual(subject(ComponentSpec(name: "random", parameters: ["seed": .number(1.5)])), .parameterValue("seed"))
        XCTAssertEqual(subject(ComponentSpec(name: "norm", parameters: ["p": .word("two")])), .parameterValue("p"))
        XCTAssertEqual(subject(ComponentSpec(name: "wpr", parameters: ["gamma": .number(0.5)])), nil)
        XCTAssertThrowsError(try ComponentSpec.parse("wpr(gamma: 0.5, gamma: 0.7)")) { error in
            XCTAssertEqual((error as? PruningError)?.subject, .parameterName("gamma"))
        }
    }

    /// A seed is a whole number: 1.5 is refused rather than truncated to 1; huge or negative seeds too.
    func testRandomSeedIsAWholeNumber() throws {
        func message(_ seed: Double) -> String {
            do { _ = try ScorerRegistry.make(ComponentSpec(name: "random", parameters: ["seed": .number(seed)])); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message(1.5), "random: seed must be a whole number, got 1.5")
        XCTAssertEqual(message(-1), "random: seed must lie in [0, 1000000000000], got -1")
        XCTAssertEqual(message(1e13), "random: seed must lie in [0, 1000000000000], got 10000000000000")
        XCTAssertEqual(message(1e300), "random: seed must lie in [0, 1000000000000], got 1e+300")
        XCTAssertEqual(message(.infinity), "random: seed must be a whole number, got inf")
        XCTAssertEqual(message(.nan), "random: seed must be a whole number, got nan")
        XCTAssertEqual(message(1e12), "no error")
        let scorer = try XCTUnwrap(ScorerRegistry.make(ComponentSpec(name: "random", parameters: ["seed": .number(7)])) as? RandomScorer)
        XCTAssertEqual(scorer.seed, 7)
    }

    /// The command line's spec parser refuses odd text with a message, and never traps.
    func testComponentSpecParserRefusesOddText() throws {
        func message(_ text: String) -> String {
            do { return "parsed \(try ComponentSpec.parse(text))" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("wpr(gamma: 0.5, theta: 1)"), "parsed wpr(gamma: 0.5, theta: 1)")
        XCTAssertEqual(message(" wpr() "), "parsed wpr")
        XCTAssertEqual(message("wpr(gamma: 0.5, gamma: 0.7)"), "parameter gamma is given twice in \"wpr(gamma: 0.5, gamma: 0.7)\"")
        XCTAssertEqual(message("wpr(gamma: 0.5,)"), "cannot read \"\" in \"wpr(gamma: 0.5,)\": expected key: value")
        XCTAssertEqual(message("wpr(gamma: 0.5,, theta: 1)"), "cannot read \"\" in \"wpr(gamma: 0.5,, theta: 1)\": expected key: value")
        XCTAssertEqual(message("wpr(gamma: nan)"), "cannot read \"wpr(gamma: nan)\": gamma must be a finite number, got nan")
        XCTAssertEqual(message("wpr(gamma: 1e400)"), "cannot read \"wpr(gamma: 1e400)\": gamma must be a finite number, got 1e400")
        XCTAssertEqual(message("(gamma: 1)"), "cannot read \"(gamma: 1)\": expected a name before `(`")
        XCTAssertEqual(message("()"), "cannot read \"()\": expected a name before `(`")
        XCTAssertEqual(message("wpr(gamma: (1))"), "cannot read \"wpr(gamma: (1))\": parameters hold plain values, not parentheses")
        XCTAssertEqual(message(""), "cannot read \"\": expected a name such as wpr or wpr(gamma: 0.5)")
        XCTAssertEqual(message("wpr(: 1)"), "cannot read \": 1\" in \"wpr(: 1)\": expected key: value")
        // Random text from the characters that matter: every outcome is a spec or an error.
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("wpr(gamma:0.5,)  \t\r\n()::,,e-+.%1é\u{301}\u{0}")
        for _ in 0..<20_000 {
            let text = String((0..<Int.random(in: 0...16, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            _ = message(text)
        }
    }
}
