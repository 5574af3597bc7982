/// The syntax tree of a script: statements made of expressions, before any meaning is checked.
public indirect enum Expr: Hashable, Sendable {
    case string(String, SourceLocation)
    case number(Double, percent: Bool, SourceLocation)
    case word(String, SourceLocation)
    /// `name(key: value, ...)`.
    case call(String, [Argument], SourceLocation)
    case list([Expr], SourceLocation)
    /// `from...to step by` (step optional).
    case range(Expr, Expr, Expr?, SourceLocation)
    /// `a -> b -> c`.
    case chain([Expr], SourceLocation)
    /// `a + b + c`: units that compete together (a mixed structure).
    case union([Expr], SourceLocation)

    public struct Argument: Hashable, Sendable {
        public let name: String
        public let nameLocation: SourceLocation
        public let value: Expr
    }

    /// How a message shows a value: a string quoted, a number as written, a name in backticks.
    public var shown: String {
        switch self {
        case .string(let s, _): "\"\(s)\""
        case .number(let v, let p, _): p ? "\((v * 100).clean)%" : v.clean
        case .word(let w, _): "`\(w)`"
        case .call(let n, _, _): "`\(n)(...)`"
        case .list: "a list"
        case .range: "a range"
        case .chain: "a chain"
        case .union: "a union"
        }
    }

    public var location: SourceLocation {
        switch self {
        case .string(_, let l), .number(_, _, let l), .word(_, let l), .call(_, _, let l), .list(_, let l),
             .range(_, _, _, let l), .chain(_, let l), .union(_, let l): l
        }
    }
}

/// `keyword [head:] clause, clause, ...` where a clause is a run of expressions. Most statements have
/// one clause (`calibrate "data/calib.txt" samples 64 seqlen 512`); `figure name: x amount, y perplexity`
/// has a head and several.
public struct Statement: Hashable, Sendable {
    public let keyword: String
    public let keywordLocation: SourceLocation
    public let head: Expr?
    public let clauses: [[Expr]]

    /// Every expression, in order.
    public var expressions: [Expr] { clauses.flatMap { $0 } }
}

/// A script: statements and prose blocks in the order written.
public struct Script: Sendable {
    public enum Item: Sendable {
        case statement(Statement)
        case prose(String, SourceLocation)
    }

    public let source: SourceFile
    public let items: [Item]
    /// Statement names on lines that failed to parse.
    public var attempted: Set<String> = []

    public var statements: [Statement] {
        items.compactMap { if case .statement(let s) = $0 { return s } else { return nil } }
    }
}
