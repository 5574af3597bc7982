/// arc_easy and arc_challenge (test split): "Question: <question>\nAnswer:", the choices' texts, the
/// answer key's place among the choices' labels (letters or digits).
public struct ARCEasy: MultipleChoiceTask {
    public static let task = "arc_easy"
    public static let requiredFields = ["question", "choices", "answerKey"]
    public static func item(_ r: TaskRecords.Record) throws -> MultipleChoiceItem { try ARCQuestion.item(r) }
}

public struct ARCChallenge: MultipleChoiceTask {
    public static let task = "arc_challenge"
    public static let requiredFields = ["question", "choices", "answerKey"]
    public static func item(_ r: TaskRecords.Record) throws -> MultipleChoiceItem { try ARCQuestion.item(r) }
}

enum ARCQuestion {
    static func item(_ r: TaskRecords.Record) throws -> MultipleChoiceItem {
        let (texts, gold) = try LabelledChoices.read(r, key: try r.string("answerKey"))
        return MultipleChoiceItem(context: "Question: \(try r.string("question"))\nAnswer:", choices: texts, gold: gold)
    }
}

/// `choices: {text: [...], label: [...]}` and the index of the answer key among the labels.
enum LabelledChoices {
    static func read(_ r: TaskRecords.Record, key: String) throws -> (texts: [String], gold: Int) {
        let choices = try r.record("choices")
        let texts = try choices.strings("text"), labels = try choices.strings("label")
        guard texts.count == labels.count else { throw r.fail("choices have \(texts.count) texts but \(labels.count) labels") }
        guard let gold = labels.firstIndex(of: key) else {
            throw r.fail("the answer key \"\(key)\" is not among the labels \(labels.map { "\"\($0)\"" }.joined(separator: ", "))")
        }
        return (texts, gold)
    }
}
