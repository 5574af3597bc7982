import Pruning

/// The scanner's output: one token with where it stands.
public struct Token: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case word(String)              // identifiers and keywords, dotted: model.layers, mlp.up_proj
        case string(String)            // "..." with \" \\ \n escapes
        case number(Double, percent: Bool)
        case symbol(String)            // [ ] ( ) , : = -> ...
        case prose(String)             // a """ block's Markdown
        case newline
        case end
    }

    public let kind: Kind
    public let location: SourceLocation

    public var text: String {
        switch kind {
        case .word(let w): "`\(w)`"
        case .string(let s): "\"\(s)\""
        case .number(let v, let p): p ? "\((v * 100).clean)%" : v.clean
        case .symbol(let s): "`\(s)`"
        case .prose: "prose block"
        case .newline: "end of line"
        case .end: "end of file"
        }
    }
}
