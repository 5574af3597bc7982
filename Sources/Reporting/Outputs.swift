import Foundation
import ModelIO
import Pruning
import Script

/// Writes a script's figures and reports from its stored results, computing nothing.
public enum Outputs {
    /// Returns warnings (e.g. gnuplot missing) for the caller to print.
    @discardableResult
    public static func write(_ experiment: Experiment, source: SourceFile, records: [ResultRecord], tool: String,
                             date: Date = Date()) throws -> [String] {
        let folder = experiment.output
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Only the cells this script asks for, even if the folder holds more.
        var warnings: [String] = []
        for item in experiment.notebook {
            switch item {
            case .figure(let f, let sweep):
                // A figure shows the sweep in force at its line: only that sweep's cells.
                let cells = Set(Planner.cells(experiment.sweep(sweep)))
                let mine = records.filter { cells.contains($0.cell) }
                let data = ["layers", "heatmap"].contains(f.kind) ? FigureData.layers(f, records: mine) : FigureData.make(f, records: mine, replicate: experiment.sweep(sweep).replicate, bootstrap: experiment.bootstrap)
                if let w = try GnuplotFigure(spec: f, data: data).write(to: folder) { warnings.append(w) }
            case .table(let t, let sweep):
                try ResultTable(t, sweep: experiment.sweep(sweep), values: ResultValues(records, bootstrap: experiment.bootstrap)).write(to: folder)
            case .prose: break
            }
        }
        for path in experiment.reports {
            let report = MarkdownReport(experiment: experiment, source: source, records: records, figures: experiment.figures, tool: tool, date: date)
            try AtomicWrite.write(Data(report.render().utf8), to: folder.appendingPathComponent(path).path)
        }
        return Array(Set(warnings)).sorted()
    }
}
