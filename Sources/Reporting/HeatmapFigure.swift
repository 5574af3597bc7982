/// `kind heatmap`: rows kept per layer as one picture, a row per pruned cell and a column per layer,
/// coloured by rows kept, so a global pruner's widths across many cells read at a glance (a table of
/// one column per layer does not). The data are FigureData.layers's: a series per cell, a point
/// (layer, rows kept) per layer; NAME.dat holds them as a matrix for gnuplot's `matrix with image`.
/// Cells go on the y axis so their names stay horizontal: rotated tic labels get clipped.
struct HeatmapFigure {
    let data: FigureData

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
        // gnuplot underestimates tic labels with underscores and clips them: room for the longest name.
        var out = ["unset grid", "set lmargin \((data.series.map(\.name.count).max() ?? 0) + 2)"]
        if let lo = layers.first, let hi = layers.last { out.append("set xrange [\(Double(lo) - 0.5):\(Double(hi) + 0.5)]") }
        out += ["set yrange [\(Double(data.series.count) - 0.5):-0.5]",
                "set palette defined (0 '#440154', 1 '#3B528B', 2 '#21918C', 3 '#5EC962', 4 '#FDE725')"]
        return out
    }

    /// The cells' names as the y axis's tic labels, the layer on x, rows kept on the colour box.
    func texts(_ text: GnuplotText) -> [String] {
        let tics = data.series.enumerated().map { "\(text($1.name)) \($0)" }.joined(separator: ", ")
        return ["set ytics (\(tics)) noenhanced", "unset ylabel",
                "set xlabel \(text("layer")) noenhanced", "set cblabel \(text(data.yLabel)) noenhanced"]
    }

    func plot(_ name: String) -> String {
        "'\(name).dat' matrix using ($1+\(layers.first ?? 0)):2:3 with image notitle"
    }
}
