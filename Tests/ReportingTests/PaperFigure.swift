@testable import Reporting
@testable import Script
import TestSupport

extension FigureSpec {
    /// A one-column paper figure, 3.4 × 2.4 inches in Times 9 pt: the size the style tests work their
    /// numbers out for.
    static func paperColumn(_ name: String) -> FigureSpec {
        var f = FigureSpec(name: name)
        f.width = 3.4
        f.height = 2.4
        f.font = "Times,9"
        return f
    }
}

/// Throws the missing-tool skip (a failure under CI=true) when gnuplot is not installed.
func requireGnuplot() throws {
    guard GnuplotFigure.gnuplot != nil else { throw TestPaths.missing("gnuplot is not installed (apt-get install gnuplot-nox)") }
}
