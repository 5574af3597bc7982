/// piqa (validation split): "Question: <goal>\nAnswer:", the two solutions as choices.
public struct PIQA: MultipleChoiceTask {
    public static let task = "piqa"
    public static let requiredFields = ["goal", "sol1", "sol2", "label"]

    public static func item(_ r: TaskRecords.Record) throws -> MultipleChoiceItem {
        MultipleChoiceItem(context: "Question: \(try r.string("goal"))\nAnswer:", choices: [try r.string("sol1"), try r.string("sol2")],
                           gold: try r.integer("label"))
    }
}
