import Foundation
import Llama
import Tensor

/// Everything a reconstruction may read: the dense model, the pruned (shrunk) one and what was removed,
/// the dense calibration statistics, each block's Gram matrix, and the calibration windows themselves
/// (for methods that run the pruned model again).
public struct ReconstructionInput {
    public let dense: LlamaModel
    public let pruned: LlamaModel
    public let removed: [LinearModule: [Int]]
    public let statistics: CalibrationStatistics
    public let grams: GramStore?
    public let windows: () throws -> [[Int32]]
    public let progress: (@Sendable (Int, Int) -> Void)?
    /// Where a reconstruction that re-chooses blocks' neurons (`least_squares(reselect: true)`) leaves
    /// each such block's kept neurons, so that the record and the saved model say which were kept.
    public var reselected = NeuronSelections()

    /// The dense neuron indices block `l` kept (ascending); nil when the block lost none.
    public func keptNeurons(_ l: Int) -> [Int]? {
        let gone = Set((removed[LinearModule(layer: l, kind: .gate)] ?? []) + (removed[LinearModule(layer: l, kind: .up)] ?? []))
        guard !gone.isEmpty else { return nil }
        return (0..<dense.config.intermediateSizes[l]).filter { !gone.contains($0) }
    }

    /// The dense down_proj rows (hidden channels) block `l` still writes.
    public func keptChannels(_ l: Int) -> [Int] {
        pruned.weights.layers[l].downOutputs ?? Array(0..<dense.config.hiddenSize)
    }
}

/// The kept neurons of blocks a reconstruction chose again, by block.
public final class NeuronSelections: @unchecked Sendable {
    private var kept: [Int: [Int]] = [:]
    private let lock = NSLock()

    public init() {}

    func set(_ layer: Int, _ neurons: [Int]) { lock.withLock { kept[layer] = neurons } }

    public var byLayer: [Int: [Int]] { lock.withLock { kept } }
}

/// What a reconstruction needs computed before it runs.
public struct ReconstructionNeeds: Sendable, Equatable {
    /// Every pruned block's Gram matrix from the dense calibration pass.
    public var grams = false
}

/// Changes the kept weights of a pruned model so that it computes more nearly what the dense one did on
/// the calibration data. Applies after shrinking, before evaluation and saving.
public protocol Reconstructor: Sendable {
    /// The name scripts and the command line use.
    static var name: String { get }
    init(_ parameters: inout ParameterReader) throws
    var needs: ReconstructionNeeds { get }
    func reconstruct(_ input: ReconstructionInput) throws -> LlamaModel
}

/// The reconstructions the tool knows. A new one is one new type plus one line here.
public enum ReconstructorRegistry {
    public static let all: [any Reconstructor.Type] = [BiasCompensation.self, LeastSquaresReconstruction.self]

    public static var names: [String] { all.map { $0.name } }

    public static func make(_ spec: ComponentSpec) throws -> any Reconstructor {
        guard let type = all.first(where: { $0.name == spec.name }) else {
            throw PruningError("unknown reconstruction `\(spec.name)`; known reconstructions: \(names.joined(separator: ", ")) (or none)")
        }
        var reader = ParameterReader(spec)
        let made = try type.init(&reader)
        try reader.finish()
        return made
    }

    /// Reconstruction refits what whole FFN neurons leave behind (down_proj's kept columns, or its bias):
    /// a structure must remove neurons and touch no attention module.
    public static func check(_ spec: ComponentSpec, structure: PruningStructure) throws {
        let attention = structure.attentionModules
        guard attention.isEmpty else {
            throw PruningError("reconstruct \(spec.name) refits down_proj after FFN neurons are removed; the structure also prunes \(attention.joined(separator: ", ")), which it cannot compensate",
                               subject: .module(attention[0]))
        }
        guard structure.removesNeurons else {
            throw PruningError("reconstruct \(spec.name) refits down_proj after FFN neurons are removed; the structure \(structure.chain.joined(separator: " -> ")) removes none (use mlp.neurons)")
        }
    }
}

/// Float64 copies of rows of a Float32 matrix, [rows.count, columns] row-major.
func doubleRows(_ w: Matrix, _ rows: [Int]) -> [Double] {
    var out = [Double](repeating: 0, count: rows.count * w.columns)
    for (i, r) in rows.enumerated() {
        let src = w.row(r)
        for c in 0..<w.columns { out[i * w.columns + c] = Double(src[c]) }
    }
    return out
}
