/// A pruning request that cannot be carried out, with a message naming the offending value.
public struct PruningError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ message: String) { description = message }
}
