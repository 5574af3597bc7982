import Foundation
import Pruning

/// Reads the figure settings that are more than one word or carry a format: `size 3.4in x 2.4in`,
/// `font "Times,9"`, `key top left`, `dpi 300`. Each takes its whole clause (the setting's word first)
/// and returns the value, or throws a problem located at the expression that is wrong.
struct FigureSettingProblem: Error {
    let at: SourceLocation
    let message: String
    var help: String? = nil
}

enum FigureSettings {
    static let sizeExample = "size 3.4in x 2.4in"
    /// Inches per unit. A size lexes as number, unit word, `x`, number, unit word.
    static let units: [String: Double] = ["in": 1, "cm": 1 / 2.54]
    /// Smaller than an inch leaves no room for axes; larger than 30in is no page's figure.
    static let inches = 1.0...30.0
    /// Points: below 4 no printer resolves text; above 72 a label outgrows the figure.
    static let fontPoints = 4.0...72.0
    static let dpis = 50...1200

    static func shown(_ e: Expr) -> String { e.shown }

    /// `size W UNIT x H UNIT`, in inches.
    static func size(_ clause: [Expr]) throws -> (width: Double, height: Double) {
        let help = "write `\(sizeExample)` (inches) or `size 8.6cm x 6cm`"
        var values: [Double] = []
        // Walk the expected shape, naming the first part that does not fit it.
        for (i, part) in ["width", "unit", "x", "height", "unit"].enumerated() {
            guard i + 1 < clause.count else {
                throw FigureSettingProblem(at: clause[clause.count - 1].location, message: "`size` needs a width and a height", help: help)
            }
            let e = clause[i + 1]
            switch (part, e) {
            case ("width", .number(let v, false, _)), ("height", .number(let v, false, _)):
                values.append(v)
            case ("unit", .word(let w, let at)):
                guard let scale = units[w] else {
                    throw FigureSettingProblem(at: at, message: "unknown unit `\(w)` in a figure's size", help: "sizes are in inches (`in`) or centimetres (`cm`)")
                }
                let v = values[values.count - 1] * scale
                guard inches.contains(v) else {
                    let what = values.count == 1 ? "width" : "height"
                    throw FigureSettingProblem(at: clause[i].location, message: "a figure's \(what) must lie between 1in and 30in (2.54cm and 76.2cm)",
                                               help: "found \(values[values.count - 1].clean)\(w)")
                }
                values[values.count - 1] = v
            case ("x", .word("x", _)):
                continue
            case ("unit", _):
                throw FigureSettingProblem(at: e.location, message: "expected a unit (`in` or `cm`) after a figure's size, found \(shown(e))", help: help)
            case ("x", _):
                throw FigureSettingProblem(at: e.location, message: "expected `x` between a figure's width and height, found \(shown(e))", help: help)
            default:
                throw FigureSettingProblem(at: e.location, message: "expected a figure's \(part) as a number, found \(shown(e))", help: help)
            }
        }
        if clause.count > 6 { throw FigureSettingProblem(at: clause[6].location, message: "unexpected \(shown(clause[6])) after a figure's size", help: help) }
        return (values[0], values[1])
    }

    /// `font "FACE,POINTS"`, `font "FACE"` or `font ",POINTS"`, as gnuplot spells fonts.
    static func font(_ e: Expr) throws -> String {
        guard case .string(let text, let at) = e else {
            throw FigureSettingProblem(at: e.location, message: "a figure's font is a quoted \"FACE,POINTS\", found \(shown(e))", help: "e.g. font \"Times,9\"")
        }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count <= 2, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw FigureSettingProblem(at: at, message: "a figure's font is \"FACE,POINTS\", found \"\(text)\"", help: "e.g. font \"Times,9\", font \"Helvetica\" or font \",9\"")
        }
        // The face goes into gnuplot's quotes and LaTeX's output: no quotes or backslashes.
        if parts[0].contains(where: { "'\"\\".contains($0) }) {
            throw FigureSettingProblem(at: at, message: "a font's face may not hold quotes or backslashes", help: "e.g. font \"Times,9\"")
        }
        if parts.count == 2 {
            guard let points = Double(parts[1]), fontPoints.contains(points) else {
                throw FigureSettingProblem(at: at, message: "a font's size is a number of points from 4 to 72, found `\(parts[1])`", help: "e.g. font \"Times,9\"")
            }
            return parts[0] + "," + points.clean
        }
        return parts[0]
    }

    /// `key top left` … `key outside`, `key off`: one or two words.
    static func key(_ clause: [Expr]) throws -> String {
        let help = "choose one of: " + FigureSpec.keys.map { "`key \($0)`" }.joined(separator: ", ")
        var words: [String] = []
        for e in clause.dropFirst() {
            guard case .word(let w, _) = e else {
                throw FigureSettingProblem(at: e.location, message: "unknown key position \(shown(e))", help: help)
            }
            words.append(w)
        }
        let position = words.joined(separator: " ")
        guard FigureSpec.keys.contains(position) else {
            let at = clause.count > 1 ? SourceLocation.spanning(clause[1].location, clause[clause.count - 1].location) : clause[0].location
            let message = words.isEmpty ? "`key` needs a position" : "unknown key position `\(position)`"
            throw FigureSettingProblem(at: at, message: message, help: closest(position, in: FigureSpec.keys).map { "did you mean `key \($0)`?" } ?? help)
        }
        return position
    }

    /// `dpi N`: a whole number of pixels per inch for the PNG.
    static func dpi(_ e: Expr) throws -> Int {
        guard case .number(let v, false, _) = e, v == v.rounded(), Double(dpis.lowerBound)...Double(dpis.upperBound) ~= v else {
            throw FigureSettingProblem(at: e.location, message: "a figure's dpi is a whole number from 50 to 1200, found \(shown(e))", help: "e.g. dpi 300")
        }
        return Int(v)
    }
}
