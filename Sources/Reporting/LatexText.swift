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

    /// A gnuplot single-quoted string: backslashes stay literal, a quote is doubled.
    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
}

/// How a label reaches one terminal: plain text in gnuplot's double quotes (drawn `noenhanced`, so
/// up_proj keeps its underscore), or escaped LaTeX in single quotes for cairolatex.
struct GnuplotText {
    let latex: Bool

    func callAsFunction(_ s: String) -> String { latex ? LatexText.quoted(LatexText.escaped(s)) : GnuplotFigure.quoted(s) }

    /// A tic format showing shares as percentages: `%` is a comment in LaTeX.
    var percentFormat: String { latex ? "'%.0f\\%%'" : "'%.0f%%'" }
}
