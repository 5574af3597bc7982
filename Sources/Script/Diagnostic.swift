/// One problem found in a script, rendered as compilers render them:
///
///     quick.prune:7:9: error: unknown scorer `wpa`
///         scorer wpa(gamma: 0.5)
///                ^~~
///     help: did you mean `wpr`?
public struct Diagnostic: Error, Hashable, Sendable, Comparable {
    public let location: SourceLocation
    public let message: String
    public let help: String?

    public init(_ location: SourceLocation, _ message: String, help: String? = nil) {
        self.location = location
        self.message = message
        self.help = help
    }

    public static func < (a: Diagnostic, b: Diagnostic) -> Bool { a.location < b.location }

    public func render(_ source: SourceFile) -> String {
        var out = "\(source.path):\(location.line):\(location.column): error: \(message)"
        if location.line >= 1 && location.line <= source.lines.count {
            let line = source.lines[location.line - 1]
            out += "\n    \(line)\n    " + String(repeating: " ", count: max(0, location.column - 1)) + "^"
                + String(repeating: "~", count: max(0, min(location.length, line.count - location.column + 1) - 1))
        }
        if let help { out += "\nhelp: \(help)" }
        return out
    }
}

/// Several diagnostics at once: the checker reports every error it finds, not only the first.
public struct Diagnostics: Error, CustomStringConvertible {
    public let source: SourceFile
    public let items: [Diagnostic]

    public var description: String {
        let list = items.sorted()
        return list.map { $0.render(source) }.joined(separator: "\n") + "\n\(list.count) error\(list.count == 1 ? "" : "s") in \(source.path)"
    }
}

/// The closest of `candidates` to `word` by edit distance, if close enough to be a likely typo.
func closest(_ word: String, in candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
    let w = Array(word.lowercased())
    let scored = candidates.map { ($0, distance(w, Array($0.lowercased()))) }.sorted { $0.1 < $1.1 }
    guard let best = scored.first, best.1 <= max(2, word.count / 3) else { return nil }
    return best.0
}
