import Foundation

/// Everything that can be wrong with a model file, phrased for a one-line message that names the file.
public struct ModelIOError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let problem: String

    public init(_ path: String, _ problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}
