import Foundation
import ModelIO
import Script

/// A figure as gnuplot's own files: `NAME.dat` (one block per series, separated by two blank lines, so
/// `index i` selects series i; a matrix for a heatmap) and `NAME.gp` (the script that draws it to NAME.png
/// and NAME.svg, NAME.pdf when asked, and cairolatex's NAME.tex + NAME.pdf for `latex true`), side by side
/// so a user can edit the script and re-render by hand.
public struct GnuplotFigure {
    let spec: FigureSpec
    let data: FigureData

    var heatmap: Bool { spec.kind == "heatmap" }
    /// Whether any series has intervals: then every block has columns x y low high.
    var intervals: Bool { data.series.contains { $0.hasIntervals } }
    /// Shares of rows pruned read as percentages.
    var percent: Bool { spec.x == "amount" && (spec.kind == "lines" || spec.kind == "bars") }
    var baseline: Double? { spec.kind == "bars" || heatmap ? nil : data.baseline.map { spec.y == "ppl_ratio" ? 1 : $0 } }

    func dataFile() -> String {
        if heatmap { return heatmapFigure.dataFile(spec.name) }
        var out = "# \(spec.name): \(data.xLabel) against \(data.yLabel)\n"
        if intervals { out += "# columns: x y low high (low = high = y where a point has no interval)\n" }
        for (i, s) in data.series.enumerated() {
            if i > 0 { out += "\n\n" }
            out += "# series \(i): \(s.name)\n"
            for (j, p) in s.points.enumerated() {
                out += "\(Self.number(p.x)) \(Self.number(p.y))"
                if intervals { out += " \(Self.number(s.interval(j)?.low ?? p.y)) \(Self.number(s.interval(j)?.high ?? p.y))" }
                out += "\n"
            }
        }
        return out
    }

    static func number(_ v: Double) -> String { String(format: "%.10g", v) }

    static func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }

    var heatmapFigure: HeatmapFigure { HeatmapFigure(data: data, canvas: FigureCanvas(spec)) }

    /// The key's place by FigureKey's rule; a heatmap has no series to name.
    var key: FigureKey {
        let canvas = FigureCanvas(spec)
        let names = data.series.map(\.name) + (baseline == nil ? [] : ["dense"])
        return FigureKey.layout(heatmap ? "off" : spec.key, names: names, width: canvas.width, height: canvas.height, points: canvas.points)
    }

    func script() -> String {
        let n = spec.name
        let key = key
        var canvas = FigureCanvas(spec)
        canvas.height = key.height
        if heatmap { canvas.width = heatmapFigure.margins.width }
        var lines = [
            "# \(n): drawn by `gnuplot \(n).gp` from \(n).dat; edit freely and re-run.",
            "# \(FigureCanvas.number(canvas.width))in x \(FigureCanvas.number(canvas.height))in, font '\(canvas.font)', PNG at \(canvas.dpi) dpi.",
            canvas.png(),
            "set output '\(n).png'",
            "set border lc rgb '#444444'",
        ]
        if !heatmap { lines.append("set grid lc rgb '#dddddd'") }
        if spec.logX && !heatmap { lines.append("set logscale x") }
        if spec.logY && !heatmap { lines.append("set logscale y") }
        if spec.kind == "bars" {
            // Error bars on bars are a histogram style: the blocks' columns 3 and 4 are each bar's low and high.
            lines += ["set style data histograms", "set style histogram \(intervals ? "errorbars gap 1 lw 1" : "cluster gap 1")",
                      "set style fill solid 0.85 border -1", "set boxwidth 0.9"]
        }
        if heatmap { lines += heatmapFigure.settings() }
        let plain = GnuplotText(latex: false)
        lines += texts(plain, key: key)
        lines.append(plot(plain))
        lines += [canvas.svg(), "set output '\(n).svg'", "replot"]
        if spec.pdf { lines += [canvas.pdf(), "set output '\(n).pdf'", "replot"] }
        if spec.latex {
            // The same figure once more with its text as LaTeX: the labels are set again, escaped.
            let latex = GnuplotText(latex: true, keyPoints: key.points)
            lines += ["# For LaTeX: \(n).tex sets the text in the paper's font over \(n).pdf; \\input{\(n).tex} with graphicx and color loaded.",
                      canvas.latex(), "set output '\(n).tex'"]
            lines += texts(latex, key: key)
            lines.append(plot(latex))
        }
        lines.append("unset output")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Title, axis labels, key and tic labels: everything that is text, quoted for one terminal.
    func texts(_ text: GnuplotText, key: FigureKey) -> [String] {
        // Labels are plain text (noenhanced): module names such as up_proj must not turn into subscripts.
        var out = ["set title \(text(spec.title ?? spec.name.replacingOccurrences(of: "_", with: " "))) noenhanced", key.gnuplot]
        if heatmap { return out + heatmapFigure.texts(text) }
        out += ["set xlabel \(text(data.xLabel)) noenhanced", "set ylabel \(text(data.yLabel)) noenhanced"]
        if percent { out.append("set format x \(text.percentFormat)") }
        return out
    }

    func plot(_ text: GnuplotText) -> String {
        let n = spec.name
        if heatmap { return "plot " + heatmapFigure.plot(n) }
        let styles = Palette.styles(data.series.map(\.name))
        var plots: [String] = []
        if spec.kind == "bars" {
            let tic = percent ? "sprintf(\(text.percentFormat), $1*100)" : "1"
            for (i, s) in data.series.enumerated() {
                plots.append("'\(n).dat' index \(i) using 2\(intervals ? ":3:4" : ""):xtic(\(tic)) title \(text.entry(s.name)) noenhanced lc rgb '\(styles[i].colour)'")
            }
        } else {
            let x = percent ? "($1*100)" : "1"
            for (i, s) in data.series.enumerated() {
                // A series with intervals draws them as error bars on its line.
                let (columns, with) = s.hasIntervals ? ("\(x):2:3:4", "yerrorlines") : ("\(x):2", "linespoints")
                plots.append("'\(n).dat' index \(i) using \(columns) title \(text.entry(s.name)) noenhanced with \(with) lc rgb '\(styles[i].colour)' dt \(styles[i].dash) pt 7 ps 0.8")
            }
        }
        if let b = baseline {
            // The dense model as a dashed horizontal reference line.
            plots.append("\(Self.number(b)) title \(text.latex ? text.entry("dense") : "'dense'") with lines lc rgb '#000000' dt 2")
        }
        return "plot " + plots.joined(separator: ", \\\n     ")
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
