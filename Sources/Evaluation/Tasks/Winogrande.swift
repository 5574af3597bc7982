/// winogrande (validation split), partial scoring: each option fills the blank, and only what follows
/// the blank is scored, so the contexts differ and the continuation is shared. acc only.
public struct Winogrande: MultipleChoiceTask {
    public static let task = "winogrande"
    public static let requiredFields = ["sentence", "option1", "option2", "answer"]
    public static let hasNormalizedAccuracy = false

    public static func item(_ r: TaskRecords.Record) throws -> MultipleChoiceItem {
        let sentence = try r.string("sentence")
        guard let blank = sentence.firstIndex(of: "_") else { throw r.fail("field \"sentence\" has no blank `_`") }
        let before = String(sentence[..<blank]), after = String(sentence[sentence.index(after: blank)...])
        let answer = try r.string("answer")
        guard answer == "1" || answer == "2" else { throw r.fail("field \"answer\" must be \"1\" or \"2\", found \"\(answer)\"") }
        return MultipleChoiceItem(contexts: [before + (try r.string("option1")), before + (try r.string("option2"))],
                                  continuation: " " + LMEvalText.strip(after), gold: answer == "1" ? 0 : 1)
    }
}
