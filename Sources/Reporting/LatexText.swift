/// Text for gnuplot's cairolatex terminal, where LaTeX sets every label: its special characters
/// escaped so `wpr_gamma`, `30%` or `a & b` print as written instead of breaking the paper's build.
enum LatexText {
    static let replacements: [Character: String] = [
        "\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "_": "\\_", "%": "\\%", "&": "\\&", "#": "\\#",
        "$": "\\$", "~": "\\textasciitilde{}", "^": "\\textasciicircum{}",
        // In LaTeX's default OT1 encoding < and > print as ¡ and ¿.
        "<": "\\textless{}", ">": "\\textgreater{}",
    ]

    static func escaped(_ s: String) -> String { s.map { replacements[$0] ?? String($0) }.joined() }

    /// LaTeX's command for text of `points` points on lines 1.2 times apart.
    static func fontSize(_ points: Double) -> String {
        "\\fontsize{\(FigureCanvas.number(points))}{\(FigureCanvas.number(points * 1.2))}\\selectfont"
    }

    /// A gnuplot single-quoted string: backslashes stay literal, a quote is doubled.
    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
}

/// How a label reaches one terminal: plain text in gnuplot's double quotes (drawn `noenhanced`, so
/// up_proj keeps its underscore), or escaped LaTeX in single quotes for cairolatex.
struct GnuplotText {
    let latex: Bool
    /// The key's font size when FigureKey shrinks it: LaTeX must be told per entry.
    var keyPoints: Double? = nil

    func callAsFunction(_ s: String) -> String { latex ? LatexText.quoted(LatexText.escaped(s)) : GnuplotFigure.quoted(s) }

    /// A key entry's title: in LaTeX at the key's own size when it differs from the figure's.
    func entry(_ s: String) -> String {
        guard latex, let p = keyPoints else { return self(s) }
        // No braces around it: gnuplot's LaTeX terminals centre a label that starts with `{`. Each label is
        // its own box, so the size ends with it.
        return LatexText.quoted(LatexText.fontSize(p) + " " + LatexText.escaped(s))
    }

    /// A tic format showing shares as percentages: `%` is a comment in LaTeX.
    var percentFormat: String { latex ? "'%.0f\\%%'" : "'%.0f%%'" }
}
