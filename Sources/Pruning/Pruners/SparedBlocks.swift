/// Blocks a row or neuron pruner leaves whole: the first `first` and the last `last` of the model, as
/// LLM-Pruner leaves its first and last layers (they are the most sensitive; see README, reconstruction).
/// The other blocks then lose more, so the share of the model's rows removed is still the amount.
public struct SparedBlocks: Sendable, Equatable {
    public let first: Int
    public let last: Int

    public static let none = SparedBlocks(first: 0, last: 0)

    public init(first: Int, last: Int) {
        self.first = first
        self.last = last
    }

    /// `spare_first: n, spare_last: m`, both 0 unless given.
    init(_ parameters: inout ParameterReader) throws {
        first = try parameters.integer("spare_first", default: 0, in: 0...4096)
        last = try parameters.integer("spare_last", default: 0, in: 0...4096)
    }

    public var isEmpty: Bool { first == 0 && last == 0 }

    public func contains(_ layer: Int, of layers: Int) -> Bool { layer < first || layer >= layers - last }

    public var description: String { "spare_first: \(first), spare_last: \(last)" }
}
