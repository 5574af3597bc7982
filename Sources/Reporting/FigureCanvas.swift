import Foundation
import Script

/// A figure's physical size and font, and the terminals that draw it at that size: the PDF, SVG and
/// cairolatex files are `width × height` inches, the PNG the same inches at `dpi` pixels each, with its
/// text and lines scaled alike, so every format shows the same picture.
struct FigureCanvas: Equatable {
    var width: Double    // inches
    var height: Double   // inches
    var face: String
    var points: Double
    var dpi: Int

    static let defaultWidth = 6.0, defaultHeight = 4.0, defaultFace = "Sans", defaultPoints = 10.0

    init(width: Double, height: Double, face: String, points: Double, dpi: Int) {
        (self.width, self.height, self.face, self.points, self.dpi) = (width, height, face, points, dpi)
    }

    init(_ spec: FigureSpec) {
        // The checker has already accepted the font as "FACE", "FACE,POINTS" or ",POINTS".
        let parts = (spec.font ?? "").split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let face = parts[0].isEmpty ? Self.defaultFace : parts[0]
        let points = parts.count > 1 ? Double(parts[1]) ?? Self.defaultPoints : Self.defaultPoints
        self.init(width: spec.width ?? Self.defaultWidth, height: spec.height ?? Self.defaultHeight, face: face, points: points, dpi: spec.dpi)
    }

    var font: String { "\(face),\(Self.number(points))" }

    static func number(_ v: Double) -> String { String(format: "%.4g", v) }

    /// Pixels for the PNG: inches times dpi. pngcairo reads font points at 72 per inch, hence the scales.
    func png() -> String {
        let scale = Self.number(Double(dpi) / 72)
        return "set terminal pngcairo size \(Int((width * Double(dpi)).rounded())),\(Int((height * Double(dpi)).rounded())) enhanced font '\(font)' fontscale \(scale) linewidth \(scale) pointscale \(scale)"
    }

    /// SVG sizes are in its own units, 72 to the inch as gnuplot's points.
    func svg() -> String {
        "set terminal svg size \(Int((width * 72).rounded())),\(Int((height * 72).rounded())) enhanced font '\(font)' linewidth 1"
    }

    /// pdfcairo halves fonts and draws lines 0.5pt wide unless told: fontscale 1 keeps the font's points.
    func pdf() -> String {
        "set terminal pdfcairo size \(Self.number(width))in,\(Self.number(height))in enhanced font '\(font)' fontscale 1 linewidth 2"
    }

    /// The paper's LaTeX sets the text in its own face; gnuplot gets the size for spacing, and the header
    /// sets that size in LaTeX too, so the text is as large as the layout was planned for.
    func latex() -> String {
        "set terminal cairolatex pdf size \(Self.number(width))in,\(Self.number(height))in font ',\(Self.number(points))' fontscale 1 linewidth 2 header "
            + LatexText.quoted(LatexText.fontSize(points))
    }
}
