import Foundation

/// hellaswag (lm-eval: `hellaswag/utils.py`, validation split): the query is the activity label, ctx_a
/// and ctx_b capitalised, each part cleaned of WikiHow's bracket markers.
public struct HellaSwag: MultipleChoiceTask {
    public static let task = "hellaswag"
    public static let requiredFields = ["activity_label", "ctx_a", "ctx_b", "endings", "label"]

    public static func item(_ r: TaskRecords.Record) throws -> MultipleChoiceItem {
        let context = try r.string("ctx_a") + " " + pythonCapitalize(try r.string("ctx_b"))
        return MultipleChoiceItem(context: preprocess(try r.string("activity_label") + ": " + context),
                                  choices: try r.strings("endings").map(preprocess), gold: try r.integer("label", orString: true))
    }

    /// `strip()`, " [title]" to ". ", every `\[.*?\]` removed (the shortest bracketed run on one line:
    /// `.` stops at a newline), then one pass of "  " to " ".
    static func preprocess(_ text: String) -> String {
        let s = Array(LMEvalText.strip(text).replacingOccurrences(of: " [title]", with: ". ").unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            if s[i] == "[", let close = s[(i + 1)...].firstIndex(where: { $0 == "]" || $0 == "\n" }), s[close] == "]" {
                i = close + 1
                continue
            }
            out.append(s[i])
            i += 1
        }
        return String(out).replacingOccurrences(of: "  ", with: " ")
    }

    /// Python's `str.capitalize()`: the first code point title-cased, the rest lower-cased.
    static func pythonCapitalize(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        return first.properties.titlecaseMapping + String(String.UnicodeScalarView(s.unicodeScalars.dropFirst())).lowercased()
    }
}
