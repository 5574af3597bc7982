import Foundation
import ModelIO
import Script

/// A figure as gnuplot's own files: `NAME.dat` (one block per series, separated by two blank lines, so
/// `index i` selects series i) and `NAME.gp` (the script that draws it to NAME.png and NAME.svg, and
/// NAME.pdf when asked), side by side so a user can edit the script and re-render by hand.
public struct GnuplotFigure {
    let spec: FigureSpec
    let data: FigureData

    func dataFile() -> String {
        var out = "# \(spec.name): \(data.xLabel) against \(data.yLabel)\n"
        for (i, s) in data.series.enumerated() {
            if i > 0 { out += "\n\n" }
            out += "# series \(i): \(s.name)\n"
            for p in s.points { out += "\(Self.number(p.x)) \(Self.number(p.y))\n" }
        }
        return out
    }

    static func number(_ v: Double) -> String { String(format: "%.10g", v) }

    static func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }

    func script() -> String {
        let n = spec.name
        var lines = [
            "# \(n): drawn by `gnuplot \(n).gp` from \(n).dat; edit freely and re-run.",
            "set terminal pngcairo size 900,600 enhanced font 'Sans,12' linewidth 1.5",
            "set output '\(n).png'",
            // Labels are plain text (noenhanced): module names such as up_proj must not turn into subscripts.
            "set title \(Self.quoted(spec.title ?? n.replacingOccurrences(of: "_", with: " "))) noenhanced",
            "set xlabel \(Self.quoted(data.xLabel)) noenhanced",
            "set ylabel \(Self.quoted(data.yLabel)) noenhanced",
            // The key sits outside the plot area, so it never covers data.
            "set key outside right top box opaque",
            "set grid lc rgb '#dddddd'",
            "set border lc rgb '#444444'",
        ]
        if spec.logX { lines.append("set logscale x") }
        if spec.logY { lines.append("set logscale y") }
        if spec.x == "amount" && spec.kind != "layers" { lines.append("set format x '%.0f%%'") }
        var plots: [String] = []
        let names = data.series.map(\.name)
        let xcol = spec.x == "amount" && spec.kind != "layers" ? "($1*100)" : "1"
        if spec.kind == "bars" {
            lines += ["set style data histograms", "set style histogram cluster gap 1", "set style fill solid 0.85 border -1", "set boxwidth 0.9"]
            for (i, s) in data.series.enumerated() {
                plots.append("'\(n).dat' index \(i) using 2:xtic(\(spec.x == "amount" ? "sprintf('%.0f%%', $1*100)" : "1")) title \(Self.quoted(s.name)) noenhanced lc rgb '\(Palette.colour(s.name, among: names))'")
            }
        } else {
            for (i, s) in data.series.enumerated() {
                plots.append("'\(n).dat' index \(i) using \(xcol):2 title \(Self.quoted(s.name)) noenhanced with linespoints lc rgb '\(Palette.colour(s.name, among: names))' dt \(Palette.dash(s.name)) pt 7 ps 0.8")
            }
        }
        if let b = data.baseline, spec.kind != "bars" {
            // The dense model as a dashed horizontal reference line.
            plots.append("\(Self.number(spec.y == "ppl_ratio" ? 1 : b)) title 'dense' with lines lc rgb '#000000' dt 2")
        }
        lines.append("plot " + plots.joined(separator: ", \\\n     "))
        lines += ["set terminal svg size 900,600 enhanced font 'Sans,12' linewidth 1.5", "set output '\(n).svg'", "replot"]
        if spec.pdf { lines += ["set terminal pdfcairo size 6in,4in enhanced font 'Sans,10'", "set output '\(n).pdf'", "replot"] }
        lines.append("unset output")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the files into `folder` and renders them with gnuplot when it is installed. Returns a
    /// warning when it is not (the files are written either way).
    @discardableResult
    func write(to folder: URL) throws -> String? {
        try AtomicWrite.write(Data(dataFile().utf8), to: folder.appendingPathComponent("\(spec.name).dat").path)
        try AtomicWrite.write(Data(script().utf8), to: folder.appendingPathComponent("\(spec.name).gp").path)
        guard let gnuplot = Self.gnuplot else {
            return "gnuplot not found: wrote \(spec.name).gp and \(spec.name).dat; render with `cd \(folder.path) && gnuplot \(spec.name).gp` (Debian: apt-get install gnuplot-nox)"
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: gnuplot)
        p.arguments = ["\(spec.name).gp"]
        p.currentDirectoryURL = folder
        let err = Pipe()
        p.standardError = err
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ModelIOError(folder.appendingPathComponent("\(spec.name).gp").path, "gnuplot failed: \(message)") }
        return nil
    }

    static var gnuplot: String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/gnuplot"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }
}
