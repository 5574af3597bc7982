import Foundation

/// Where a figure's key (legend) goes, so that many series or long names never squeeze the plot away.
/// The rule, in points (1/72 in) of the canvas W × H, with f the font's size (estimates on the safe side
/// of what gnuplot lays out, measured on its cairo terminals):
///  - a key entry is (longest name + 12) × 0.7f wide in a box (the text at about 0.7f a character, its line
///    sample, gaps and box: measured on a 10pt pngcairo render, where `wpr(gamma: 0.5)`'s entry took 187pt),
///    (longest name + 8) × 0.7f below the plot, where it has no box; a row is 1.25f tall;
///  - the plot is about W − 10f wide (tic labels, y label) and the room for plot and a key below it is
///    H − 10f tall (title, x tic labels, x label, measured); the plot keeps at least 60 % of that room and at least 8f;
///  - `off` draws no key. A corner inside the plot (`top left` …) stays when the key covers at most half the
///    plot's width and half the room's height; `outside` (right of the plot) stays when the key takes at
///    most a third of W and fits the room's height;
///  - otherwise the key goes below the plot, in as many columns as fit the plot's width; when its rows
///    (and one blank row under the x label) need more than the plot leaves, its font shrinks by tenths
///    down to 0.7f;
///  - if even then they do not fit, the canvas grows taller by the difference: the plot keeps its height.
struct FigureKey: Equatable {
    enum Place: Equatable {
        case off
        case inside(String)
        case outside
        case below(columns: Int)
    }

    var place: Place
    /// The key's own font size in points, when it is shrunk below the figure's.
    var points: Double?
    /// The canvas's height in inches, grown when the key needs it.
    var height: Double

    static func entryWidth(_ names: [String], _ f: Double, boxed: Bool = true) -> Double {
        Double((names.map(\.count).max() ?? 0) + (boxed ? 12 : 8)) * 0.7 * f
    }
    static func rowHeight(_ f: Double) -> Double { 1.25 * f }

    /// `requested` is one of FigureSpec.keys; `names` every key entry (the series, and `dense` when drawn).
    static func layout(_ requested: String, names: [String], width: Double, height: Double, points f: Double) -> FigureKey {
        let w = width * 72, h = height * 72, n = Double(names.count)
        let plotW = w - 10 * f, room = h - 10 * f
        let keyRoom = max(0, room - max(0.6 * room, 8 * f))
        let entry = entryWidth(names, f), tall = n * rowHeight(f)
        if requested == "off" { return FigureKey(place: .off, points: nil, height: height) }
        if requested == "outside" && entry <= w / 3 && tall <= room { return FigureKey(place: .outside, points: nil, height: height) }
        if requested != "outside" && entry <= plotW / 2 && tall <= room / 2 { return FigureKey(place: .inside(requested), points: nil, height: height) }
        // Below the plot: columns across its width, the font shrinking while the rows are too tall.
        for tenths in [10, 9, 8, 7] {
            let size = f * Double(tenths) / 10
            let columns = max(1, min(names.count, Int((plotW / entryWidth(names, size, boxed: false)).rounded(.down))))
            // One row more: gnuplot's `height 1`, the gap that keeps the key off the x label.
            let tall = Double((names.count + columns - 1) / columns + 1) * rowHeight(size)
            if tall <= keyRoom || tenths == 7 {
                return FigureKey(place: .below(columns: columns), points: tenths == 10 ? nil : size, height: (h + max(0, tall - keyRoom)) / 72)
            }
        }
        fatalError("unreachable: the last size always returns")
    }

    /// gnuplot's `set key` line, each line's sample left of its name. An opaque box keeps data lines from
    /// running through a key on the plot; a key below has none (gnuplot's box there overlaps the x label).
    var gnuplot: String {
        let font = points.map { " font '," + FigureCanvas.number($0) + "'" } ?? ""
        switch place {
        case .off: return "set key off"
        case .inside(let corner): return "set key inside \(corner) reverse Left box opaque" + font
        case .outside: return "set key outside right top reverse Left box opaque" + font
        case .below(let columns): return "set key below center horizontal maxcols \(columns) reverse Left nobox height 1" + font
        }
    }
}
