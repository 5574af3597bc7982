/// openbookqa (main, test split): the question stem as it is, the choices' texts, the answer key
/// (leading spaces stripped, as lm-eval does) among the labels.
public struct OpenBookQA: MultipleChoiceTask {
    public static let task = "openbookqa"
    public static let requiredFields = ["question_stem", "choices", "answerKey"]

    public static func item(_ r: TaskRecords.Record) throws -> MultipleChoiceItem {
        let key = String(try r.string("answerKey").drop { LMEvalText.isPythonSpace($0.unicodeScalars.first!) })
        let (texts, gold) = try LabelledChoices.read(r, key: key)
        return MultipleChoiceItem(context: try r.string("question_stem"), choices: texts, gold: gold)
    }
}
