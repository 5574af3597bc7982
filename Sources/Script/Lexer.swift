/// Turns a script into tokens, line by line. Lexical errors are collected, and the line is skipped, so
/// one pass reports them all.
struct Lexer {
    let source: SourceFile
    private(set) var tokens: [Token] = []
    private(set) var diagnostics: [Diagnostic] = []
    /// Statement names of lines dropped for a lexical error.
    private(set) var attempted: Set<String> = []

    init(_ source: SourceFile) {
        self.source = source
        scan()
    }

    /// The tokens of one line alone (an inline reference in prose, the rest of its line blanked so
    /// columns stay the line's own).
    init(line: [Character], number: Int) {
        source = SourceFile(path: "", text: "")
        scanLine(line, number)
        tokens.append(Token(kind: .end, location: SourceLocation(line: number, column: line.count + 1)))
    }

    private mutating func scan() {
        var n = 0
        let lines = source.lines
        while n < lines.count {
            let chars = Array(lines[n])
            let lineNumber = n + 1
            let trimmed = lines[n].trimmingCharacters(in: .whitespaces)
            // A prose block: everything up to the closing """ is Markdown for the report.
            if trimmed.hasPrefix("\"\"\"") {
                let start = SourceLocation(line: lineNumber, column: (chars.firstIndex(of: "\"") ?? 0) + 1, length: 3)
                var body: [String] = []
                let rest = String(trimmed.dropFirst(3))
                var closed = false
                if rest.trimmingCharacters(in: .whitespaces).hasSuffix("\"\"\"") && rest.count >= 3 {
                    body.append(String(rest.dropLast(3)).trimmingCharacters(in: .whitespaces))
                    closed = true
                } else if !rest.trimmingCharacters(in: .whitespaces).isEmpty {
                    body.append(rest)
                }
                while !closed {
                    n += 1
                    if n >= lines.count { break }
                    if lines[n].trimmingCharacters(in: .whitespaces) == "\"\"\"" { closed = true } else { body.append(lines[n]) }
                }
                if closed {
                    tokens.append(Token(kind: .prose(body.joined(separator: "\n")), location: start))
                    tokens.append(Token(kind: .newline, location: start))
                } else {
                    diagnostics.append(Diagnostic(start, "unterminated prose block", help: "close it with a line holding only \"\"\""))
                }
                n += 1
                continue
            }
            scanLine(chars, lineNumber)
            n += 1
        }
        tokens.append(Token(kind: .end, location: SourceLocation(line: max(1, lines.count), column: 1)))
    }

    private mutating func scanLine(_ c: [Character], _ line: Int) {
        let before = diagnostics.count
        scanTokens(c, line)
        guard diagnostics.count > before else { return }
        let word = String(c.drop { $0 == " " || $0 == "\t" }.prefix { $0.isLetter || $0 == "_" })
        if !word.isEmpty { attempted.insert(word) }
    }

    private mutating func scanTokens(_ c: [Character], _ line: Int) {
        var i = 0
        var emitted: [Token] = []
        func at(_ k: Int) -> Character? { k < c.count ? c[k] : nil }
        func digit(_ k: Int) -> Bool { at(k).map(Self.isDigit) ?? false }
        func loc(_ start: Int, _ end: Int) -> SourceLocation { SourceLocation(line: line, column: start + 1, length: end - start) }
        while i < c.count {
            let ch = c[i]
            if ch == " " || ch == "\t" { i += 1; continue }
            if ch == "#" { break }
            if ch == "\"" {
                var j = i + 1, value = "", closed = false
                while j < c.count {
                    if c[j] == "\\", let next = at(j + 1) {
                        // Only the documented escapes: a Windows path's `\d` must not silently lose its backslash.
                        switch next {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        case "\"", "\\": value.append(next)
                        default:
                            diagnostics.append(Diagnostic(loc(j, j + 2), Self.shown(next).hasPrefix("`")
                                                          ? "unknown escape `\\\(next)` in a string" : "unknown escape: `\\` before \(Self.shown(next))",
                                                          help: "escapes are \\\", \\\\, \\n and \\t; write a backslash as \\\\ or use /"))
                            return
                        }
                        j += 2
                        continue
                    }
                    if c[j] == "\"" { closed = true; break }
                    value.append(c[j])
                    j += 1
                }
                guard closed else {
                    diagnostics.append(Diagnostic(loc(i, c.count), "unterminated string", help: "add a closing \" on the same line"))
                    return
                }
                emitted.append(Token(kind: .string(value), location: loc(i, j + 1)))
                i = j + 1
                continue
            }
            if ch == "-" && at(i + 1) == ">" { emitted.append(Token(kind: .symbol("->"), location: loc(i, i + 2))); i += 2; continue }
            if ch == "." && at(i + 1) == "." && at(i + 2) == "." { emitted.append(Token(kind: .symbol("..."), location: loc(i, i + 3))); i += 3; continue }
            // A number starts with a digit (or - and a digit); `.5` is refused, so `10%....5` cannot read as a range.
            if ch == "." && digit(i + 1) || ch == "-" && at(i + 1) == "." && digit(i + 2) {
                var j = i + 1
                while digit(j) || at(j) == "." { j += 1 }
                let text = String(c[i..<j])
                diagnostics.append(Diagnostic(loc(i, j), "a number needs a digit before its point, found `\(text)`",
                                              help: "write `\(ch == "-" ? "-0" + text.dropFirst() : "0" + text)`"))
                return
            }
            if Self.isDigit(ch) || (ch == "-" && digit(i + 1)) {
                var j = i + 1
                while digit(j) || (at(j) == "." && digit(j + 1)) { j += 1 }
                if let e = at(j), e == "e" || e == "E" {
                    var k = j + 1
                    if let s = at(k), s == "+" || s == "-" { k += 1 }
                    if digit(k) {
                        j = k
                        while digit(j) { j += 1 }
                    }
                }
                let text = String(c[i..<j])
                let percent = at(j) == "%"
                guard let value = Double(text), text.filter({ $0 == "." }).count <= 1 else {
                    diagnostics.append(Diagnostic(loc(i, j), "malformed number `\(text)`"))
                    return
                }
                // Every number is finite, and one written non-zero stays non-zero.
                let mantissa = text.prefix { $0 != "e" && $0 != "E" }
                guard value.isFinite, value != 0 || !mantissa.contains(where: { "123456789".contains($0) }) else {
                    diagnostics.append(Diagnostic(loc(i, j), "number `\(text)` is too \(value.isFinite ? "small" : "large") to represent",
                                                  help: "numbers lie within about 1e-308 to 1e308 in size"))
                    return
                }
                emitted.append(Token(kind: .number(percent ? value / 100 : value, percent: percent), location: loc(i, percent ? j + 1 : j)))
                i = percent ? j + 1 : j
                continue
            }
            if ch.isLetter || ch == "_" {
                var j = i + 1
                while let d = at(j), d.isLetter || d.isNumber || d == "_" || (d == "." && (at(j + 1)?.isLetter == true || at(j + 1) == "_")) { j += 1 }
                emitted.append(Token(kind: .word(String(c[i..<j])), location: loc(i, j)))
                i = j
                continue
            }
            if "[](),:=+".contains(ch) {
                emitted.append(Token(kind: .symbol(String(ch)), location: loc(i, i + 1)))
                i += 1
                continue
            }
            diagnostics.append(Diagnostic(loc(i, i + 1), "unexpected character \(Self.shown(ch))",
                                          help: ch == "\r" ? "lines end with LF or CRLF; a carriage return alone is not a line break" : nil))
            return
        }
        if !emitted.isEmpty {
            tokens += emitted
            tokens.append(Token(kind: .newline, location: loc(c.count, c.count + 1)))
        }
    }

    static func isDigit(_ c: Character) -> Bool { c.isASCII && c.isWholeNumber }

    /// A character for a message: itself in backticks when visible, else its code points (U+000D).
    static func shown(_ c: Character) -> String {
        let visible = c.unicodeScalars.allSatisfy { s in
            !s.properties.isWhitespace && s.properties.generalCategory != .control && s.properties.generalCategory != .format
                && s.properties.generalCategory != .unassigned && s.properties.generalCategory != .privateUse
                && s.properties.generalCategory != .surrogate && s.properties.generalCategory != .lineSeparator
                && s.properties.generalCategory != .paragraphSeparator
        }
        if visible { return "`\(c)`" }
        return c.unicodeScalars.map { String(format: "U+%04X", $0.value) }.joined(separator: " ")
    }
}
