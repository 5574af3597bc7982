import Evaluation
import Llama
import Foundation
import Tensor

/// norm(p: 1): the p-norm of each row of |W|.
public struct NormScorer: Scorer {
    public static let name = "norm"
    public static let needsStatistics = false
    public let p: Double

    public init(_ parameters: inout ParameterReader) throws {
        p = try parameters.number("p", default: 1, in: 1...1e6)
    }

    public func score(_ x: ScoringInput) -> [Double] {
        (0..<x.weight.rows).map { r in
            let row = x.weight.row(r)
            var s = 0.0
            for c in 0..<x.weight.columns { s += pow(Double(abs(row[c])), p) }
            return pow(s, 1 / p)
        }
    }
}

/// random(seed: 0): uniform [0, 1) per row, from CPython's generator seeded with seed · 1000003 + the
/// module's position in the model, so each module's draw is fixed whatever the pipeline.
public struct RandomScorer: Scorer {
    public static let name = "random"
    public static let needsStatistics = false
    public let seed: Int

    public init(_ parameters: inout ParameterReader) throws {
        seed = try parameters.integer("seed", default: 0, in: 0...1_000_000_000_000)
    }

    public func score(_ x: ScoringInput) -> [Double] {
        let position = UInt64(x.module.layer * 16 + (LinearKind.allCases.firstIndex(of: x.module.kind) ?? 0))
        var rng = PythonRandom(seed: UInt64(seed) &* 1_000_003 &+ position)
        return (0..<x.weight.rows).map { _ in rng.random() }
    }
}

/// activation: the L2 norm of each output channel over the calibration tokens.
public struct ActivationScorer: Scorer {
    public static let name = "activation"
    public static let needsStatistics = true

    public init(_ parameters: inout ParameterReader) throws {}

    public func score(_ x: ScoringInput) -> [Double] { x.outputNorms }
}

/// wanda: |W| · (input L2 norms), the raw statistic rather than the previous importance, summed per row
/// (Wanda's |W|·‖X‖ metric aggregated over a row).
public struct WandaScorer: Scorer {
    public static let name = "wanda"
    public static let needsStatistics = true

    public init(_ parameters: inout ParameterReader) throws {}

    public func score(_ x: ScoringInput) -> [Double] { absTimes(x.weight, x.inputNorms) }
}
