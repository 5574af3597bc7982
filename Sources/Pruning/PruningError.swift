import Foundation
/// A pruning request that cannot be carried out, with a message naming the offending value.
///
/// `subject` says, apart from the wording, what the error is about, so a caller (the script checker)
/// can point at the right place without reading the message.
public struct PruningError: Error, CustomStringConvertible, Equatable {
    public enum Subject: Hashable, Sendable {
        /// A component's parameter whose name is wrong: unknown, or given twice.
        case parameterName(String)
        /// A component's parameter whose value is wrong: its type, range or kind of number.
        case parameterValue(String)
        /// A structure's list of blocks, such as `model.layers`.
        case blockList(String)
        /// A module of a structure's chain, such as `mlp.up_proj`.
        case module(String)
    }

    public let description: String
    public let subject: Subject?

    public init(_ message: String) {
        description = message
        subject = nil
    }

    public init(_ message: String, subject: Subject?) {
        description = message
        self.subject = subject
    }

    /// The parameter the error is about, whether for its name or its value.
    public var parameter: String? {
        switch subject {
        case .parameterName(let p), .parameterValue(let p): p
        default: nil
        }
    }

    /// The module the error is about.
    public var module: String? {
        if case .module(let m) = subject { return m }
        return nil
    }
}
