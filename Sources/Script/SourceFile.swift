import Foundation

/// A script's text with its name, for locating diagnostics.
public struct SourceFile: Sendable {
    public let path: String
    public let text: String
    public let lines: [String]

    public init(path: String, text: String) {
        self.path = path
        self.text = text
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0.hasSuffix("\r") ? $0.dropLast() : $0) }
    }

    public static func read(_ path: String) throws -> SourceFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScriptFailure("\(path): no such file", status: 66)
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ScriptFailure("\(path): not valid UTF-8 text", status: 65) }
        return SourceFile(path: path, text: text)
    }

    /// The folder the script's relative paths are taken from.
    public var folder: URL { URL(fileURLWithPath: path).deletingLastPathComponent() }
}

/// A position in a script: 1-based line and column (columns count characters).
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let length: Int

    public init(line: Int, column: Int, length: Int = 1) {
        self.line = line
        self.column = column
        self.length = max(1, length)
    }

    public var description: String { "\(line):\(column)" }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool { (a.line, a.column) < (b.line, b.column) }

    /// From the start of `a` to the end of `b` when both are on one line.
    public static func spanning(_ a: SourceLocation, _ b: SourceLocation) -> SourceLocation {
        guard a.line == b.line, b.column >= a.column else { return a }
        return SourceLocation(line: a.line, column: a.column, length: b.column + b.length - a.column)
    }
}

/// A failure that is not about one place in a script (a missing script, a bad command-line value).
public struct ScriptFailure: Error, CustomStringConvertible {
    public let description: String
    public let status: Int32
    public init(_ message: String, status: Int32 = 65) {
        description = message
        self.status = status
    }
}
