import Evaluation
import Foundation
import Pruning
import Script

/// Accuracy over the tasks a pruned model was evaluated on: each task's headline accuracy (acc_norm
/// where lm-eval reports it, acc otherwise), their mean, and the paper's "accuracy retention", the mean
/// over tasks of pruned accuracy / dense accuracy.
enum TaskScores {
    /// The task and headline accuracy of one cell, if it evaluates an accuracy task.
    static func accuracy(_ r: ResultRecord) -> (task: String, value: Double)? {
        guard let task = r.cell.evaluation?.task, let headline = EvaluatorRegistry.type(task)?.headline, headline.hasPrefix("acc"),
              let value = r.metrics.evaluation?.metrics[headline] else { return nil }
        return (task, value)
    }

    static func meanAccuracy(_ cells: [ResultRecord]) -> Double? {
        let values = cells.compactMap(accuracy).map(\.value)
        return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    static func retention(_ cells: [ResultRecord], dense: (Cell) -> ResultRecord?) -> Double? {
        let ratios = cells.compactMap { r -> Double? in
            guard let a = accuracy(r), let d = dense(r.cell).flatMap(accuracy), d.value > 0 else { return nil }
            return a.value / d.value
        }
        return ratios.isEmpty ? nil : ratios.reduce(0, +) / Double(ratios.count)
    }
}
