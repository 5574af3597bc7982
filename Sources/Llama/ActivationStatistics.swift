import Tensor

/// Per-channel sums of squares of the inputs and outputs of chosen linear modules over every token the
/// model has seen: √ of them are the L2 norms that activation-aware scorers use. One accumulator per
/// worker thread, merged at the end.
public final class ActivationStatistics: @unchecked Sendable {
    public struct Sums: Sendable, Codable, Equatable {
        public var input: [Double]
        public var output: [Double]
    }

    public let modules: Set<LinearModule>
    public private(set) var sums: [LinearModule: Sums] = [:]
    public private(set) var tokens = 0

    public init(modules: Set<LinearModule>, config: LlamaConfig) {
        self.modules = modules
        for m in modules {
            let (rows, columns) = Self.shape(m, config)
            sums[m] = Sums(input: .init(repeating: 0, count: columns), output: .init(repeating: 0, count: rows))
        }
    }

    static func shape(_ m: LinearModule, _ c: LlamaConfig) -> (rows: Int, columns: Int) {
        let f = c.intermediateSizes[m.layer]
        switch m.kind {
        case .q: return (c.queryWidth, c.hiddenSize)
        case .k, .v: return (c.keyValueWidth, c.hiddenSize)
        case .o: return (c.hiddenSize, c.queryWidth)
        case .gate, .up: return (f, c.hiddenSize)
        case .down: return (c.hiddenSize, f)
        }
    }

    func wants(_ layer: Int, _ kind: LinearKind) -> Bool { modules.contains(LinearModule(layer: layer, kind: kind)) }

    func addInput(_ layer: Int, _ kind: LinearKind, _ x: Matrix, rows: Int) { add(layer, kind, x, rows: rows, to: \.input) }

    func addOutput(_ layer: Int, _ kind: LinearKind, _ y: Matrix, rows: Int) { add(layer, kind, y, rows: rows, to: \.output) }

    /// Adds the per-column sums of squares of the first `rows` rows of `x` to one side of a module's sums.
    private func add(_ layer: Int, _ kind: LinearKind, _ x: Matrix, rows: Int, to side: WritableKeyPath<Sums, [Double]>) {
        let m = LinearModule(layer: layer, kind: kind)
        guard sums[m] != nil else { return }
        let columns = sums[m]![keyPath: side].count
        sums[m]![keyPath: side].withUnsafeMutableBufferPointer {
            Kernels.accumulateColumnSquares(x.pointer, rows: rows, columns: columns, ld: x.columns, into: $0.baseAddress!)
        }
    }

    func countTokens(_ n: Int) { tokens += n }

    /// Adds another worker's sums into this one.
    public func merge(_ other: ActivationStatistics) {
        for (m, s) in other.sums {
            for i in s.input.indices { sums[m]!.input[i] += s.input[i] }
            for i in s.output.indices { sums[m]!.output[i] += s.output[i] }
        }
        tokens += other.tokens
    }

    /// Per-channel L2 norms: √Σx².
    public func l2(_ m: LinearModule) -> (input: [Float], output: [Float])? {
        guard let s = sums[m] else { return nil }
        return (s.input.map { Float($0.squareRoot()) }, s.output.map { Float($0.squareRoot()) })
    }
}
