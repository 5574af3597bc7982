/// `kind heatmap`: rows kept per layer as one picture, a row per pruned cell and a column per layer,
/// coloured by rows kept, so a global pruner's widths across many cells read at a glance (a table of
/// one column per layer does not). The data are FigureData.layers's: a series per cell, a point
/// (layer, rows kept) per layer; NAME.dat holds them as a matrix for gnuplot's `matrix with image`.
/// Cells go on the y axis so their names stay horizontal: rotated tic labels get clipped.
struct HeatmapFigure {
    let data: FigureData
    /// The figure's canvas as its settings ask; `margins` may widen it.
    var canvas = FigureCanvas(width: FigureCanvas.defaultWidth, height: FigureCanvas.defaultHeight,
                              face: FigureCanvas.defaultFace, points: FigureCanvas.defaultPoints, dpi: 150)

    /// Room for the cells' names left of the picture, by the key's kind of rule: the names (the longest
    /// and 2 characters more, at 0.7f each, wide enough for Sans) may take 35 % of the canvas's width W;
    /// beyond, their font shrinks by tenths down to 0.7f, and beyond that the canvas grows wider by the
    /// difference, so the picture keeps its width. The colour box, its numbers and label take 8f on the
    /// right; a canvas too narrow for names, colour box and an inch of picture grows to hold them.
    struct Margins: Equatable {
        /// The names' font size, when shrunk below the figure's.
        var points: Double?
        /// The canvas's width in inches, grown when the names need it.
        var width: Double
        /// Where the picture's left and right edges stand, as fractions of the canvas's width.
        var left: Double
        var right: Double
    }

    static func margins(names: [String], width: Double, points f: Double) -> Margins {
        let w = width * 72, longest = Double((names.map(\.count).max() ?? 0) + 2)
        for tenths in [10, 9, 8, 7] {
            let size = f * Double(tenths) / 10, labels = longest * 0.7 * size
            if labels <= 0.35 * w || tenths == 7 {
                let grown = max(w + max(0, labels - 0.35 * w), labels + 8 * f + 72)
                return Margins(points: tenths == 10 ? nil : size, width: grown / 72, left: labels / grown, right: 1 - 8 * f / grown)
            }
        }
        fatalError("unreachable: the last size always returns")
    }

    var margins: Margins { Self.margins(names: data.series.map(\.name), width: canvas.width, points: canvas.points) }

    /// Whole layers on the x axis, every 1, 2, 5, 10, 20, 50 or 100 layers: the first step whose tics
    /// stand 3f apart or more across the picture, so their numbers never run together.
    var layerStep: Int {
        let m = margins, picture = m.width * 72 * (m.right - m.left), count = Double(layers.count)
        return [1, 2, 5, 10, 20, 50].first { (count / Double($0)).rounded(.up) * 3 * canvas.points <= picture } ?? 100
    }

    /// Every layer from the lowest any cell has to the highest, so matrix column i is layer first + i.
    var layers: [Int] {
        let all = data.series.flatMap { $0.points.map { Int($0.x) } }
        guard let lo = all.min(), let hi = all.max() else { return [] }
        return Array(lo...hi)
    }

    /// matrix[cell][column]: the rows kept by the cell in layer `layers[column]`, NaN where it has none.
    var matrix: [[Double]] {
        data.series.map { s in layers.map { layer in s.points.first { Int($0.x) == layer }?.y ?? .nan } }
    }

    func dataFile(_ name: String) -> String {
        var out = "# \(name): \(data.yLabel), a row per cell, a column per layer"
        if let lo = layers.first, let hi = layers.last { out += " from \(lo) to \(hi)" }
        out += " (NaN: the cell has no such layer)\n"
        for (i, s) in data.series.enumerated() { out += "# row \(i): \(s.name)\n" }
        for row in matrix { out += row.map { $0.isNaN ? "NaN" : GnuplotFigure.number($0) }.joined(separator: " ") + "\n" }
        return out
    }

    /// Ranges and colours: each layer one pixel wide, each cell one tall, the first cell on top as in a
    /// table; viridis runs from few rows kept (dark) to many (light) and reads in grey and to colour-blind
    /// readers; the colour range is the data's own, so differences between layers show.
    func settings() -> [String] {
        // gnuplot's own margins clip long names (it underestimates underscores) and the colour box's label.
        let m = margins
        var out = [String(format: "set lmargin at screen %.4f", m.left), String(format: "set rmargin at screen %.4f", m.right)]
        if let lo = layers.first, let hi = layers.last {
            out += ["set xrange [\(Double(lo) - 0.5):\(Double(hi) + 0.5)]", "set xtics \(lo), \(layerStep), \(hi)"]
        }
        out += ["set yrange [\(Double(data.series.count) - 0.5):-0.5]",
                "set palette defined (0 '#440154', 1 '#3B528B', 2 '#21918C', 3 '#5EC962', 4 '#FDE725')"]
        return out
    }

    /// The cells' names as the y axis's tic labels, the layer on x, rows kept on the colour box.
    func texts(_ text: GnuplotText) -> [String] {
        let tics = data.series.enumerated().map { "\(text($1.name)) \($0)" }.joined(separator: ", ")
        let font = margins.points.map { " font '," + FigureCanvas.number($0) + "'" } ?? ""
        return ["set ytics (\(tics)) noenhanced" + font, "unset ylabel",
                "set xlabel \(text("layer")) noenhanced", "set cblabel \(text(data.yLabel)) noenhanced"]
    }

    func plot(_ name: String) -> String {
        "'\(name).dat' matrix using ($1+\(layers.first ?? 0)):2:3 with image notitle"
    }
}
