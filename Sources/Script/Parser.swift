/// Builds the syntax tree. On an error it records a diagnostic and skips to the next line (panic-mode
/// recovery), so one run reports every malformed line.
public struct Parser {
    private let tokens: [Token]
    private var position = 0
    private(set) var diagnostics: [Diagnostic] = []
    /// Statement names of lines that failed to parse: present, so "missing statement" errors stay quiet.
    private(set) var attempted: Set<String> = []

    public static func parse(_ source: SourceFile) -> (Script, [Diagnostic]) {
        let lexer = Lexer(source)
        var parser = Parser(tokens: lexer.tokens)
        let items = parser.items()
        return (Script(source: source, items: items, attempted: parser.attempted.union(lexer.attempted)), lexer.diagnostics + parser.diagnostics)
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    /// The clauses of one statement-like line (an inline reference's text), or the first syntax error.
    static func clauses(_ tokens: [Token], keyword: String, at: SourceLocation) -> Result<[[Expr]], Diagnostic> {
        var parser = Parser(tokens: tokens)
        do {
            return .success(try parser.statement(keyword, at).clauses)
        } catch let f as Failure {
            return .failure(f.diagnostic)
        } catch {
            return .failure(Diagnostic(at, "\(error)"))
        }
    }

    private var current: Token { tokens[position] }
    private mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    private func isSymbol(_ s: String) -> Bool {
        if case .symbol(s) = current.kind { return true }
        return false
    }

    private var atLineEnd: Bool {
        switch current.kind {
        case .newline, .end: true
        default: false
        }
    }

    private mutating func skipLine() {
        while !atLineEnd { advance() }
        advance()
    }

    struct Failure: Error { let diagnostic: Diagnostic }

    private mutating func items() -> [Script.Item] {
        var out: [Script.Item] = []
        while true {
            switch current.kind {
            case .end:
                return out
            case .newline:
                advance()
            case .prose(let text):
                out.append(.prose(text, current.location))
                advance()
            case .word(let keyword):
                let location = current.location
                advance()
                do {
                    out.append(.statement(try statement(keyword, location)))
                } catch let f as Failure {
                    diagnostics.append(f.diagnostic)
                    attempted.insert(keyword)
                    skipLine()
                } catch {}
            default:
                diagnostics.append(Diagnostic(current.location, "expected a statement, found \(current.text)",
                                              help: "a line starts with a statement name such as model, scorer or amount"))
                skipLine()
            }
        }
    }

    private mutating func statement(_ keyword: String, _ location: SourceLocation) throws -> Statement {
        var head: Expr? = nil
        // `name:` before the clauses (figure ppl: ..., structure model.layers: ...).
        if case .word(let w) = current.kind, position + 1 < tokens.count, case .symbol(":") = tokens[position + 1].kind {
            head = .word(w, current.location)
            advance()
            advance()
        }
        var clauses: [[Expr]] = []
        while !atLineEnd {
            if isSymbol(",") {
                guard !clauses.isEmpty else {
                    throw Failure(diagnostic: Diagnostic(current.location, "expected a value before `,`"))
                }
                let comma = current.location
                advance()
                if isSymbol(",") { throw Failure(diagnostic: Diagnostic(current.location, "expected a value after `,`, found another `,`")) }
                if atLineEnd {
                    throw Failure(diagnostic: Diagnostic(comma, "`\(keyword)` ends with a comma", help: "remove the last `,` or add what follows it"))
                }
                clauses.append([])
                continue
            }
            if clauses.isEmpty { clauses.append([]) }
            clauses[clauses.count - 1].append(try expression())
        }
        advance()
        return Statement(keyword: keyword, keywordLocation: location, head: head, clauses: clauses)
    }

    /// How deeply lists and calls may nest: far beyond any real script, and shallow enough that the
    /// recursive descent below (and every later walk of the tree) cannot overflow the stack.
    static let maxDepth = 64
    private var depth = 0

    /// expression = primary [ "..." primary [ "step" primary ] ] { "->" primary } | primary { "+" primary }
    private mutating func expression() throws -> Expr {
        let first = try primary()
        if isSymbol("...") {
            advance()
            let to = try primary()
            var step: Expr? = nil
            if case .word("step") = current.kind {
                advance()
                step = try primary()
            }
            return .range(first, to, step, SourceLocation.spanning(first.location, (step ?? to).location))
        }
        if isSymbol("->") {
            var parts = [first]
            while isSymbol("->") {
                advance()
                parts.append(try primary())
            }
            return .chain(parts, SourceLocation.spanning(first.location, parts.last!.location))
        }
        if isSymbol("+") {
            var parts = [first]
            while isSymbol("+") {
                advance()
                parts.append(try primary())
            }
            return .union(parts, SourceLocation.spanning(first.location, parts.last!.location))
        }
        return first
    }

    private mutating func primary() throws -> Expr {
        let token = current
        switch token.kind {
        case .string(let s):
            advance()
            return .string(s, token.location)
        case .number(let v, let p):
            advance()
            return .number(v, percent: p, token.location)
        case .word(let w):
            advance()
            guard isSymbol("(") else { return .word(w, token.location) }
            let open = current.location
            try enter(open)
            defer { depth -= 1 }
            advance()
            var arguments: [Expr.Argument] = []
            while !isSymbol(")") {
                if atLineEnd {
                    throw Failure(diagnostic: Diagnostic(open, "unclosed `(` in `\(w)(...)`", help: "close it with ) on the same line"))
                }
                guard case .word(let name) = current.kind else {
                    throw Failure(diagnostic: Diagnostic(current.location, "expected a parameter name in `\(w)(...)`, found \(current.text)",
                                                         help: "write parameters as name: value, e.g. \(w)(gamma: 0.5)"))
                }
                let nameLocation = current.location
                advance()
                guard isSymbol(":") else {
                    throw Failure(diagnostic: Diagnostic(current.location, "expected `:` after parameter `\(name)`, found \(current.text)",
                                                         help: "write \(name): value"))
                }
                advance()
                arguments.append(Expr.Argument(name: name, nameLocation: nameLocation, value: try expression()))
                if isSymbol(",") {
                    let comma = current.location
                    advance()
                    if isSymbol(")") { throw Failure(diagnostic: Diagnostic(comma, "trailing `,` in `\(w)(...)`", help: "remove it, or add a parameter after it")) }
                    if isSymbol(",") { throw Failure(diagnostic: Diagnostic(current.location, "expected a parameter name after `,`, found another `,`")) }
                } else if atLineEnd {
                    throw Failure(diagnostic: Diagnostic(open, "unclosed `(` in `\(w)(...)`", help: "close it with ) on the same line"))
                } else if !isSymbol(")") {
                    throw Failure(diagnostic: Diagnostic(current.location, "expected `,` or `)` in `\(w)(...)`, found \(current.text)"))
                }
            }
            let end = current.location
            advance()
            return .call(w, arguments, SourceLocation.spanning(token.location, end))
        case .symbol("["):
            try enter(token.location)
            defer { depth -= 1 }
            advance()
            var items: [Expr] = []
            while !isSymbol("]") {
                if atLineEnd {
                    throw Failure(diagnostic: Diagnostic(token.location, "unclosed `[`", help: "close the list with ] on the same line"))
                }
                if isSymbol(",") {
                    throw Failure(diagnostic: Diagnostic(current.location, items.isEmpty ? "expected a value before `,` in a list" : "expected a value after `,`, found another `,`"))
                }
                items.append(try expression())
                if isSymbol(",") {
                    let comma = current.location
                    advance()
                    if isSymbol("]") { throw Failure(diagnostic: Diagnostic(comma, "trailing `,` in a list", help: "remove it, or add an item after it")) }
                } else if atLineEnd {
                    throw Failure(diagnostic: Diagnostic(token.location, "unclosed `[`", help: "close the list with ] on the same line"))
                } else if !isSymbol("]") {
                    throw Failure(diagnostic: Diagnostic(current.location, "expected `,` or `]` in a list, found \(current.text)"))
                }
            }
            let end = current.location
            advance()
            guard !items.isEmpty else { throw Failure(diagnostic: Diagnostic(token.location, "empty list")) }
            return .list(items, SourceLocation.spanning(token.location, end))
        default:
            throw Failure(diagnostic: Diagnostic(token.location, "expected a value, found \(token.text)"))
        }
    }

    /// One level deeper into a list or call, refused past `maxDepth`.
    private mutating func enter(_ at: SourceLocation) throws {
        guard depth < Self.maxDepth else {
            throw Failure(diagnostic: Diagnostic(at, "lists and calls nest more than \(Self.maxDepth) deep here",
                                                 help: "a sweep is a flat list such as [a, b, c]"))
        }
        depth += 1
    }
}
