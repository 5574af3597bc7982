import Evaluation
import Foundation
import Llama
import ModelIO
@testable import Pruning
import Tensor
import TestSupport
import XCTest

/// Neuron statistics, least-squares reconstruction and bias compensation on a tiny random model,
/// against values computed here from a naive Float64 forward pass (NaiveLlama) and a naive solver
/// (Gaussian elimination on the normal equations), never from the code under test.
final class ReconstructionTests: XCTestCase {
    struct Fixture {
        let folder: URL
        let tiny: TinyLlama
        let modelPath: String
        let spec: CalibrationSpec
        let session: PruningSession
    }

    func fixture(cache: Bool = true) throws -> Fixture {
        let folder = try TestPaths.temporaryFolder(self)
        let tiny = TinyLlama(seed: 31) { $0.layers = 2 }
        let modelPath = folder.appendingPathComponent("tiny.gguf").path
        try tiny.write(to: modelPath)
        var rng = SeededRandom(seed: 5)
        let text = TinyText.make(characters: 600, using: &rng)
        let calib = folder.appendingPathComponent("calib.txt")
        try text.write(to: calib, atomically: true, encoding: .utf8)
        let spec = CalibrationSpec(path: calib.path, samples: 6, seqlen: 40, seed: 3)
        let session = PruningSession(bundle: try ModelBundle.load(path: modelPath),
                                     cache: cache ? StatisticsCache(folder: folder.appendingPathComponent("cache")) : nil)
        return Fixture(folder: folder, tiny: tiny, modelPath: modelPath, spec: spec, session: session)
    }

    /// Per layer, every calibration token's FFN activation from the naive forward pass: [layer][token][neuron].
    func naiveActivations(_ f: Fixture) throws -> [[[Double]]] {
        let naive = NaiveLlama(f.tiny)
        var out = Array(repeating: [[Double]](), count: f.tiny.layers)
        for window in try f.session.calibration(f.spec).windows {
            let acts = naive.ffnActivations(window.map(Int.init))
            for l in acts.indices { out[l] += acts[l] }
        }
        return out
    }

    /// The tiny model's dense down_proj of block l as [hidden][ffn] in Float64, read from its tensors.
    func naiveDown(_ f: Fixture, _ l: Int) -> [[Double]] {
        let t = f.tiny.tensors["blk.\(l).ffn_down.weight"]!
        return (0..<t.rows).map { r in (0..<t.columns).map { Double(t.values[r * t.columns + $0]) } }
    }

    /// Solves A x = b by Gaussian elimination with partial pivoting, in Float64.
    func gaussian(_ a: [[Double]], _ b: [Double]) -> [Double] {
        var m = a, y = b
        let n = b.count
        for c in 0..<n {
            let p = (c..<n).max { abs(m[$0][c]) < abs(m[$1][c]) }!
            m.swapAt(c, p)
            y.swapAt(c, p)
            for r in (c + 1)..<n where m[r][c] != 0 {
                let k = m[r][c] / m[c][c]
                for j in c..<n { m[r][j] -= k * m[c][j] }
                y[r] -= k * y[c]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = y[r]
            for j in (r + 1)..<n { s -= m[r][j] * x[j] }
            x[r] = s / m[r][r]
        }
        return x
    }

    func testNeuronStatisticsAndGramMatchTheNaiveForward() throws {
        let f = try fixture()
        let calibrated = try f.session.statistics(f.spec, structure: .neurons, grams: true)
        let h = try naiveActivations(f)
        for l in 0..<f.tiny.layers {
            let stats = try XCTUnwrap(calibrated.statistics.neurons(layer: l))
            let n = Double(h[l].count)
            for j in 0..<f.tiny.ffn {
                let column = h[l].map { $0[j] }
                let mean = column.reduce(0, +) / n
                let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
                let norm = column.reduce(0) { $0 + $1 * $1 }.squareRoot()
                XCTAssertEqual(stats.norm[j], norm, accuracy: 1e-4 * norm + 1e-7)
                XCTAssertEqual(stats.mean[j], mean, accuracy: 1e-4 * abs(mean) + 1e-6)
                XCTAssertEqual(stats.variance[j], variance, accuracy: 1e-3 * variance + 1e-7)
            }
            let g = try XCTUnwrap(calibrated.grams?.gram(l, width: f.tiny.ffn))
            var worst = 0.0, scale = 0.0
            for p in 0..<f.tiny.ffn {
                for q in 0..<f.tiny.ffn {
                    let expected = h[l].reduce(0) { $0 + $1[p] * $1[q] }
                    worst = max(worst, abs(g[p * f.tiny.ffn + q] - expected))
                    scale = max(scale, abs(expected))
                }
            }
            XCTAssertLessThan(worst, 1e-4 * scale, "Gram of block \(l)")
        }
        // The Gram matrices were cached: a fresh session reads them back without calibrating.
        let again = PruningSession(bundle: f.session.bundle, cache: StatisticsCache(folder: f.folder.appendingPathComponent("cache")))
        let cached = try again.statistics(f.spec, structure: .neurons, grams: true)
        XCTAssertTrue(cached.fromDisk)
        XCTAssertEqual(cached.grams?.gram(1, width: f.tiny.ffn), calibrated.grams?.gram(1, width: f.tiny.ffn))
    }

    func testDamagedGramEntryIsDiscardedAndRecalibrated() throws {
        let f = try fixture()
        let calibrated = try f.session.statistics(f.spec, structure: .neurons, grams: true)
        let expected = try XCTUnwrap(calibrated.grams?.gram(1, width: f.tiny.ffn))
        let statistics = f.folder.appendingPathComponent("cache").appendingPathComponent("statistics")
        let entry = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: statistics.path).first { $0.hasSuffix(".gram1") })
        let path = statistics.appendingPathComponent(entry).path
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 3] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let again = PruningSession(bundle: f.session.bundle, cache: StatisticsCache(folder: f.folder.appendingPathComponent("cache")))
        let reloaded = try again.statistics(f.spec, structure: .neurons, grams: true)
        // The statistics file is intact and every Gram file exists, so the damage shows when block 1 is read.
        let (gram, warnings) = Warnings.collecting { reloaded.grams?.gram(1, width: f.tiny.ffn) }
        XCTAssertNil(gram)
        XCTAssertTrue(warnings.contains { $0.contains("damaged Gram cache entry") && $0.contains("checksum") }, "\(warnings)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        // A third session finds the entry gone and calibrates again, to the same Gram.
        let third = PruningSession(bundle: f.session.bundle, cache: StatisticsCache(folder: f.folder.appendingPathComponent("cache")))
        let recalibrated = try third.statistics(f.spec, structure: .neurons, grams: true)
        XCTAssertFalse(recalibrated.fromDisk)
        XCTAssertEqual(recalibrated.grams?.gram(1, width: f.tiny.ffn), expected)
    }

    func testNeuronOutputImportancesFromTheNaiveForward() throws {
        let f = try fixture(cache: false)
        let calibrated = try f.session.statistics(f.spec, structure: .neurons)
        let importances = try f.session.importances(ComponentSpec(name: "neuron_output"), structure: .neurons, pipeline: .chained,
                                                    calibrated: calibrated)
        let h = try naiveActivations(f)
        for l in 0..<f.tiny.layers {
            let down = naiveDown(f, l)
            let raw = (0..<f.tiny.ffn).map { j in
                h[l].reduce(0) { $0 + $1[j] * $1[j] }.squareRoot() * down.reduce(0) { $0 + $1[j] * $1[j] }.squareRoot()
            }
            let total = raw.reduce(0, +)
            let got = try XCTUnwrap(importances[LinearModule(layer: l, kind: .up)])
            for j in raw.indices { XCTAssertEqual(got[j], raw[j] / total, accuracy: 1e-4 * raw[j] / total) }
        }
        // On LLM-Rank's chain the scorer would have to score down_proj's rows, which are not neurons.
        let chain = PruningStructure()
        let chainStats = try f.session.statistics(f.spec, structure: chain)
        XCTAssertThrowsError(try f.session.importances(ComponentSpec(name: "neuron_output"), structure: chain, pipeline: .chained,
                                                       calibrated: chainStats)) {
            XCTAssertTrue("\($0)".contains("scores FFN neurons"), "\($0)")
        }
    }

    func testLeastSquaresMatchesNaiveNormalEquations() throws {
        let f = try fixture()
        let calibrated = try f.session.statistics(f.spec, structure: .neurons, grams: true)
        let g = try XCTUnwrap(calibrated.grams?.gram(0, width: f.tiny.ffn))
        let tokens = calibrated.statistics.tokens
        let sums = try XCTUnwrap(calibrated.statistics.neurons(layer: 0)).mean.map { $0 * Double(tokens) }
        let fw = f.tiny.ffn
        let kept = (0..<fw).filter { $0 % 3 != 1 }
        let rows = [0, 3, 7, 20, 63]
        let down = naiveDown(f, 0)
        for (ridge, intercept) in [(0.1, false), (0.001, true), (0.0, true)] {
            let refit = try LeastSquaresReconstruction.refit(gram: g, down: f.session.dense.weights.layers[0].down.matrix, rows: rows, kept: kept,
                                                             ridge: ridge, sums: intercept ? sums : nil, tokens: tokens)
            XCTAssertEqual(refit.bias == nil, !intercept)
            // Naive: A = G_KK + λI, λ = ridge · mean diag(G_KK), bordered for the intercept by the kept
            // neurons' sums and the token count; for each output row r, A x = [G_K· W_rᵀ; Σ_q s_q W_rq].
            let lambda = ridge * kept.reduce(0) { $0 + g[$1 * fw + $1] } / Double(kept.count)
            var a = kept.map { p in kept.map { q in g[p * fw + q] + (p == q ? lambda : 0) } + (intercept ? [sums[p]] : []) }
            if intercept { a.append(kept.map { sums[$0] } + [Double(tokens)]) }
            for (i, r) in rows.enumerated() {
                var b = kept.map { p in (0..<fw).reduce(0) { $0 + g[p * fw + $1] * down[r][$1] } }
                if intercept { b.append((0..<fw).reduce(0) { $0 + sums[$1] * down[r][$1] }) }
                let x = gaussian(a, b)
                let scale = max(x.map(abs).max()!, 1)
                for c in kept.indices { XCTAssertEqual(Double(refit.down[i, c]), x[c], accuracy: 1e-6 * scale, "ridge \(ridge)") }
                if intercept { XCTAssertEqual(refit.bias![i], x[kept.count], accuracy: 1e-6 * scale) }
            }
        }
    }

    func testRefitOutputIsCloserToDenseOnTheCalibrationActivations() throws {
        let f = try fixture()
        let h = try naiveActivations(f)
        let cell = Cell(model: f.modelPath, calibration: f.spec, structure: .neurons, pipeline: .chained,
                        scorer: ComponentSpec(name: "neuron_output"), pruner: ComponentSpec(name: "local"), amount: 0.4)
        let plain = try CellRunner(modelPath: f.modelPath, cache: nil).run(cell)
        var refitCell = cell
        refitCell.reconstruction = ComponentSpec(name: "least_squares")
        let refit = try CellRunner(modelPath: f.modelPath, cache: nil).run(refitCell)
        let kept = try XCTUnwrap(refit.pruned?.keptIndices)
        for l in 0..<f.tiny.layers {
            let k = kept["model.layers.\(l).mlp.up_proj"]!
            let dense = naiveDown(f, l)
            // Σ over tokens of ‖H_K W'ᵀ + b − H Wᵀ‖² for a refit or unrefit block (down_proj W' [hidden, K], bias b).
            func error(_ layer: LlamaLayer?) throws -> Double {
                let w = try XCTUnwrap(layer?.down), b = layer?.downBias
                return h[l].reduce(0) { total, token in
                    total + (0..<f.tiny.hidden).reduce(0) { s, r in
                        let target = (0..<f.tiny.ffn).reduce(0) { $0 + dense[r][$1] * token[$1] }
                        let got = k.enumerated().reduce(Double(b?[r] ?? 0)) { $0 + Double(w[r, $1.offset]) * token[$1.element] }
                        return s + (got - target) * (got - target)
                    }
                }
            }
            let before = try error(plain.pruned?.model.weights.layers[l])
            let after = try error(refit.pruned?.model.weights.layers[l])
            XCTAssertLessThan(after, before, "block \(l)")
            XCTAssertGreaterThan(before, 0)
        }
    }

    func testSequentialRefitAgreesWithOneShotOnTheFirstBlock() throws {
        let f = try fixture(cache: false)
        let cell = Cell(model: f.modelPath, calibration: f.spec, structure: .neurons, pipeline: .chained,
                        scorer: ComponentSpec(name: "fluctuation"), pruner: ComponentSpec(name: "local"), amount: 0.5,
                        reconstruction: try ComponentSpec.parse("least_squares(ridge: 0.1)"))
        let runner = try CellRunner(modelPath: f.modelPath, cache: nil)
        let oneShot = try XCTUnwrap(runner.run(cell).pruned?.model)
        for target in ["block", "model"] {
            var sequentialCell = cell
            sequentialCell.reconstruction = try ComponentSpec.parse("least_squares(ridge: 0.1, sequential: true, target: \(target))")
            let sequential = try XCTUnwrap(runner.run(sequentialCell).pruned?.model)
            // Block 0 sees the same (unpruned) input either way, and its target is the dense block's
            // output either way; block 1 sees the refit block 0's output.
            func difference(_ l: Int) -> Float {
                let a = oneShot.weights.layers[l].down.matrix, b = sequential.weights.layers[l].down.matrix
                let biases = zip(oneShot.weights.layers[l].downBias ?? [], sequential.weights.layers[l].downBias ?? []).map { abs($0 - $1) }
                return max((0..<a.count).map { abs(a.pointer[$0] - b.pointer[$0]) }.max()!, biases.max() ?? 0)
            }
            XCTAssertLessThan(difference(0), 1e-4, target)
            XCTAssertGreaterThan(difference(1), 1e-4, target)
        }
    }

    func testReselectionChoosesBlockZeroAsTheGreedySurgeonDoes() throws {
        let f = try fixture(cache: false)
        let runner = try CellRunner(modelPath: f.modelPath, cache: nil)
        // Block 0 sees the dense stream, and its target is the dense block's own output, so the neurons it
        // chooses again are those obs(greedy: true) picks from the dense calibration (that scorer is tested
        // against a brute-force greedy), whatever the pruner chose first.
        let greedy = Cell(model: f.modelPath, calibration: f.spec, structure: .neurons, pipeline: .chained,
                          scorer: try ComponentSpec.parse("obs(greedy: true, ridge: 0.1)"), pruner: ComponentSpec(name: "local"), amount: 0.5)
        let chosen = try XCTUnwrap(runner.run(greedy).pruned)
        var again = greedy
        again.scorer = ComponentSpec(name: "neuron_norm")
        again.reconstruction = try ComponentSpec.parse("least_squares(ridge: 0.1, sequential: true, reselect: true)")
        let reselected = try XCTUnwrap(runner.run(again).pruned)
        var first = again
        first.reconstruction = nil
        let before = try XCTUnwrap(runner.run(first).pruned)
        let name = "model.layers.0.mlp.up_proj"
        XCTAssertNotEqual(before.keptIndices[name], chosen.keptIndices[name], "neuron_norm alone must choose otherwise for the test to mean anything")
        XCTAssertEqual(reselected.keptIndices[name], chosen.keptIndices[name])
        XCTAssertEqual(reselected.keptRows, before.keptRows)
        // The model holds the chosen neurons' gate and up rows.
        let kept = try XCTUnwrap(reselected.keptIndices[name])
        let dense = f.tiny.tensors["blk.0.ffn_up.weight"]!, up = reselected.model.weights.layers[0].up.matrix
        for (i, j) in kept.enumerated() {
            for c in 0..<dense.columns { XCTAssertEqual(up.row(i)[c], dense.values[j * dense.columns + c]) }
        }
        // Only with the sequential refit toward the dense model.
        XCTAssertThrowsError(try ReconstructorRegistry.make(try ComponentSpec.parse("least_squares(reselect: true)")))
        XCTAssertThrowsError(try ReconstructorRegistry.make(try ComponentSpec.parse("least_squares(sequential: true, target: block, reselect: true)")))
    }

    func testAttentionRefitGivesBlockZerosOutputProjectionBack() throws {
        let f = try fixture(cache: false)
        let runner = try CellRunner(modelPath: f.modelPath, cache: nil)
        var cell = Cell(model: f.modelPath, calibration: f.spec, structure: .neurons, pipeline: .chained,
                        scorer: ComponentSpec(name: "neuron_output"), pruner: ComponentSpec(name: "local"), amount: 0.5,
                        reconstruction: try ComponentSpec.parse("least_squares(ridge: 0, sequential: true, attention: true, attention_ridge: 0)"))
        let refit = try XCTUnwrap(runner.run(cell).pruned?.model)
        // Block 0 reads the dense stream, so its target after attention is the dense heads' output times the
        // dense o_proj, which plain least squares (ridge 0) gives back; block 1 reads the pruned stream.
        func largest(_ l: Int) -> (difference: Float, size: Float) {
            let t = f.tiny.tensors["blk.\(l).attn_output.weight"]!, o = refit.weights.layers[l].o.matrix
            XCTAssertEqual(o.rows, t.rows)
            XCTAssertEqual(o.columns, t.columns)
            return ((0..<t.values.count).map { abs(o.pointer[$0] - t.values[$0]) }.max()!, t.values.map(abs).max()!)
        }
        let zero = largest(0), one = largest(1)
        XCTAssertLessThan(zero.difference, 1e-3 * zero.size)
        XCTAssertGreaterThan(one.difference, 1e-2 * one.size)
        // Its ridge pulls toward the dense o_proj: a large one leaves block 1 all but dense, and block 0
        // (whose exact fit is the dense o_proj) stays dense under any ridge.
        cell.reconstruction = try ComponentSpec.parse("least_squares(ridge: 0, sequential: true, attention: true, attention_ridge: 1000)")
        let shrunk = try XCTUnwrap(runner.run(cell).pruned?.model)
        for (l, bound) in [(0, 1e-3 * zero.size), (1, 1e-2 * one.difference)] {
            let t = f.tiny.tensors["blk.\(l).attn_output.weight"]!, o = shrunk.weights.layers[l].o.matrix
            XCTAssertLessThan((0..<t.values.count).map { abs(o.pointer[$0] - t.values[$0]) }.max()!, bound, "block \(l)")
        }
        // Without it, o_proj is the dense one.
        cell.reconstruction = try ComponentSpec.parse("least_squares(ridge: 0, sequential: true)")
        let plain = try XCTUnwrap(runner.run(cell).pruned?.model)
        let dense = f.tiny.tensors["blk.1.attn_output.weight"]!
        XCTAssertEqual((0..<dense.values.count).map { plain.weights.layers[1].o.matrix.pointer[$0] }, dense.values)
        // Only with the sequential refit toward the dense model.
        XCTAssertThrowsError(try ReconstructorRegistry.make(try ComponentSpec.parse("least_squares(attention: true)")))
        XCTAssertThrowsError(try ReconstructorRegistry.make(try ComponentSpec.parse("least_squares(sequential: true, target: block, attention: true)")))
    }

    func testBiasCompensationAgainstNaiveMeans() throws {
        let f = try fixture()
        let h = try naiveActivations(f)
        let cell = Cell(model: f.modelPath, calibration: f.spec, structure: .neurons, pipeline: .chained,
                        scorer: ComponentSpec(name: "neuron_norm"), pruner: ComponentSpec(name: "local"), amount: 0.3,
                        reconstruction: ComponentSpec(name: "bias"))
        let outcome = try CellRunner(modelPath: f.modelPath, cache: nil).run(cell)
        let kept = try XCTUnwrap(outcome.pruned?.keptIndices)
        for l in 0..<f.tiny.layers {
            let keep = Set(kept["model.layers.\(l).mlp.up_proj"]!)
            let removed = (0..<f.tiny.ffn).filter { !keep.contains($0) }
            XCTAssertEqual(removed.count, 29)   // round(0.3 · 96)
            let dense = naiveDown(f, l)
            let mean = (0..<f.tiny.ffn).map { j in h[l].reduce(0) { $0 + $1[j] } / Double(h[l].count) }
            let bias = try XCTUnwrap(outcome.pruned?.model.weights.layers[l].downBias)
            for r in 0..<f.tiny.hidden {
                let expected = removed.reduce(0) { $0 + dense[r][$1] * mean[$1] }
                XCTAssertEqual(Double(bias[r]), expected, accuracy: 1e-4 * max(abs(expected), 1e-2))
            }
        }
    }

    func testDownBiasIsAppliedAsTheNaiveForwardAppliesIt() throws {
        let folder = try TestPaths.temporaryFolder(self)
        var tiny = TinyLlama(seed: 8) { $0.layers = 2 }
        var rng = SeededRandom(seed: 9)
        tiny.tensors["blk.1.ffn_down.bias"] = (1, tiny.hidden, rng.uniform(tiny.hidden, scale: 0.5))
        let path = folder.appendingPathComponent("bias.gguf").path
        try tiny.write(to: path)
        let model = try LlamaModel.load(path: path)
        XCTAssertNil(model.weights.layers[0].downBias)
        XCTAssertNotNil(model.weights.layers[1].downBias)
        let ids = (0..<12).map { ($0 * 7) % 100 }
        let got = model.logits(ids.map(Int32.init)), expected = NaiveLlama(tiny).logits(ids)
        for p in ids.indices { for v in 0..<tiny.vocab { XCTAssertEqual(Double(got[p, v]), expected[p][v], accuracy: 1e-4) } }
    }

    func testReconstructedModelsReloadToTheSamePerplexity() throws {
        let f = try fixture()
        let eval = f.folder.appendingPathComponent("eval.txt")
        var rng = SeededRandom(seed: 77)
        try TinyText.make(characters: 300, using: &rng)
            .write(to: eval, atomically: true, encoding: .utf8)
        let evaluation = EvaluationSetting(text: eval.path, seqlen: 32, windows: 4)
        let cache = StatisticsCache(folder: f.folder.appendingPathComponent("cache"))
        for method in ["bias", "least_squares(ridge: 0.1)"] {
            for target in ["m.gguf", "m-hf"] {
                let cell = Cell(model: f.modelPath, calibration: f.spec, structure: .neurons, pipeline: .chained,
                                scorer: ComponentSpec(name: "neuron_output"), pruner: ComponentSpec(name: "global"), amount: 0.3,
                                evaluation: evaluation, reconstruction: try ComponentSpec.parse(method))
                let path = f.folder.appendingPathComponent(method.prefix(4) + target).path
                let outcome = try CellRunner(modelPath: f.modelPath, cache: cache).run(cell, saveTo: path)
                let ppl = try XCTUnwrap(outcome.metrics.ppl)
                let reloaded = try CellRunner(modelPath: path, cache: nil).run(Cell(model: path, amount: 0, evaluation: evaluation))
                XCTAssertEqual(try XCTUnwrap(reloaded.metrics.ppl), ppl, accuracy: 1e-5 * ppl, "\(method) saved as \(target)")
                // The record says how the model was refit.
                let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: PrunedModelFiles.recordPath(path)))) as? [String: Any]
                XCTAssertEqual(record?["reconstruction"] as? String, method)
            }
        }
    }
}
