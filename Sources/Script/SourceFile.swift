import Foundation

/// A script's text with its name, for locating diagnostics.
public struct SourceFile: Sendable {
    public let path: String
    public let text: String
    public let lines: [String]

    /// Lines end at LF or CRLF, so a script saved on Windows reads as the same lines. A lone CR stays in
    /// its line, where the scanner reports it. A leading byte-order mark is not part of the first line.
    public init(path: String, text: String) {
        self.path = path
        self.text = text
        var scalars = Substring(text).unicodeScalars
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        lines = scalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(String.UnicodeScalarView(line.last == "\r" ? line.dropLast() : line))
        }
    }

    public static func read(_ path: String) throws -> SourceFile {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw ScriptFailure("\(path): no such file", status: 66)
        }
        guard !isFolder.boolValue else { throw ScriptFailure("\(path): is a folder, not a script", status: 66) }
        guard let data = FileManager.default.contents(atPath: path) else { throw ScriptFailure("\(path): cannot be read", status: 66) }
        return try decode(path: path, data)
    }

    /// The script in `data`, or a diagnostic at the line and column of its first byte that is not UTF-8.
    public static func decode(path: String, _ data: Data) throws -> SourceFile {
        let bytes = [UInt8](data)
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar):
                offset += scalar.count
                continue
            case .emptyInput:
                return SourceFile(path: path, text: String(decoding: bytes, as: UTF8.self))
            case .error(let length):
                // Rendered from a copy with U+FFFD in place of each bad sequence, so the caret's column,
                // counted in characters of the valid text before it, lands on the replacement.
                let shown = SourceFile(path: path, text: String(decoding: bytes, as: UTF8.self))
                let lineStart = bytes[..<offset].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
                let line = bytes[..<offset].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
                var before = String(decoding: bytes[lineStart..<offset], as: UTF8.self)
                if line == 1, before.unicodeScalars.first == "\u{FEFF}" { before.unicodeScalars.removeFirst() }
                let shownBytes = bytes[offset..<(offset + max(1, length))].map { String(format: "0x%02x", $0) }.joined(separator: " ")
                let at = SourceLocation(line: line, column: before.count + 1)
                throw Diagnostics(source: shown, items: [
                    Diagnostic(at, "invalid UTF-8 (byte\(length > 1 ? "s" : "") \(shownBytes))", help: "save the script as UTF-8 text"),
                ])
            }
        }
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
