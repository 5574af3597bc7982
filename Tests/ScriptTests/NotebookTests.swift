import Foundation
import Pruning
@testable import Script
import TestSupport
import XCTest

/// Notebook semantics: restated settings make sections, every section's cells are planned once,
/// tables and references are proven to pick one result each, replicates and lists swept together.
final class NotebookTests: XCTestCase {
    let head = """
    model "tiny.gguf"
    calibrate "calib.txt" samples 2 seqlen 16
    evaluate perplexity "eval.txt" seqlen 16 windows 2

    """

    func testRestatedSettingsMakeSectionsAndNoCellIsPlannedTwice() throws {
        let folder = try ScriptFolder(self)
        let text = head + """
        scorer [wanda, norm]
        amount [0, 30%]
        figure local: x amount, y perplexity, series scorer
        pruner global
        figure global: x amount, y perplexity, series scorer
        amount [0, 30%, 50%]
        scorer wanda
        table late: rows pruner, columns amount, value perplexity

        """
        let (e, _) = try Checker.check(try folder.write("sections.prune", text))
        XCTAssertEqual(e.sweeps.count, 3)
        // Counted by hand: one dense cell; wanda and norm local at 30 %; the same global; wanda global at 30 % and 50 %,
        // whose 30 % cell is the second section's.
        let cells = Planner.cells(e)
        XCTAssertEqual(cells.count, 1 + 2 + 2 + 1)
        XCTAssertEqual(Set(cells).count, cells.count)
        XCTAssertEqual(cells.filter(\.isDense).count, 1)
        XCTAssertEqual(Set(cells.compactMap { $0.pruner?.name }), ["local", "global"])
        XCTAssertEqual(cells.filter { $0.amount == 0.5 }.map { $0.scorer?.name }, ["wanda"])
        // Each output shows the sweep in force at its line.
        guard case .figure(_, let first) = e.notebook[0], case .figure(_, let second) = e.notebook[1], case .table(_, let third) = e.notebook[2] else {
            return XCTFail("expected two figures and a table, got \(e.notebook)")
        }
        XCTAssertEqual(e.sweeps[first].pruners.map(\.name), ["local"])
        XCTAssertEqual(e.sweeps[second].pruners.map(\.name), ["global"])
        XCTAssertEqual(e.sweeps[third].amounts, [0, 0.3, 0.5])
        XCTAssertEqual(Planner.cells(e.sweeps[third]).count, 3)
    }

    func testAnEvaluateAfterAnOutputStartsTheSectionsOwnList() throws {
        let folder = try ScriptFolder(self)
        let text = head + """
        scorer wanda
        amount [0, 30%]
        table a: rows scorer, columns amount, value perplexity
        evaluate perplexity "eval.txt" seqlen 16 windows 1
        evaluate lambada_openai "cloze.jsonl" limit 3
        table b: rows scorer, columns amount, value perplexity

        """
        _ = try folder.write("cloze.jsonl", "{\"text\": \"a b c\"}\n")
        let (e, _) = try Checker.check(try folder.write("evaluations.prune", text))
        XCTAssertEqual(e.sweeps.count, 2)
        XCTAssertEqual(e.sweeps[0].evaluations.map(\.windows), [2])
        // The second section measures only what its own two lines name, not the first section's evaluation too
        // (which would also put two perplexities in table b's cells).
        XCTAssertEqual(e.sweeps[1].evaluations.map(\.task), ["perplexity", "lambada_openai"])
        XCTAssertEqual(e.sweeps[1].evaluations.first?.windows, 1)
    }

    func testRestatingWithoutAnOutputBetweenIsAnError() throws {
        let folder = try ScriptFolder(self)
        let got = try folder.diagnostics("restated.prune", head + "scorer wanda\namount 30%\namount 50%\n")
        XCTAssertEqual(got.map { "\($0.location): \($0.message)" },
                       ["6:1: `amount` is given twice (first on line 5) with no figure, table or {{ }} reference between"])
    }

    func testReferencesSelectExactlyOneResult() throws {
        let folder = try ScriptFolder(self)
        let text = head + """
        scorer [wanda, norm]
        amount [0, 30%, 50%]
        \"\"\"
        Fine: {{ perplexity where scorer wanda, amount 30% }} and {{ perplexity where amount 0 digits 3 }}.
        Two: {{ perplexity where scorer wanda }}
        None: {{ perplexity where scorer wanda, amount 20% }}
          Unknown: {{ perplexty where amount 0 }} {{ perplexity where scorr wanda }}
        Open: {{ perplexity
        \"\"\"

        """
        let got = try folder.diagnostics("refs.prune", text).sorted()
        XCTAssertEqual(got.map { "\($0.location): \($0.message)" }, [
            "8:6: this reference selects 2 results; they differ in amount (0.3, 0.5)",
            "9:48: the reference keeps no cell: the sweep has no amount `0.2`",
            "10:15: a reference starts with a metric, found `perplexty`",
            "10:63: unknown setting `scorr` in a reference",
            "11:7: unclosed `{{` in prose",
        ])
        XCTAssertEqual(got.first { $0.location.line == 10 && $0.location.column == 15 }?.help, "did you mean `perplexity`?")
    }

    func testReferencesAreParsedIntoTheProse() throws {
        let folder = try ScriptFolder(self)
        let text = head + "scorer wanda\namount [0, 30%]\n\"\"\"\nA {{ perplexity where scorer wanda, amount 30% digits 1 }} B\n\"\"\"\n"
        let (e, _) = try Checker.check(try folder.write("ref.prune", text))
        guard case .prose(let segments, let sweep)? = e.notebook.first else { return XCTFail("no prose") }
        XCTAssertNotNil(sweep)
        XCTAssertEqual(segments.count, 3)
        XCTAssertEqual(segments.first, .text("A "))
        XCTAssertEqual(segments.last, .text(" B"))
        guard case .reference(let r) = segments[1] else { return XCTFail("no reference") }
        XCTAssertEqual(r.metric, "perplexity")
        XCTAssertEqual(r.filters, ["scorer": "wanda", "amount": "0.3"])
        XCTAssertEqual(r.digits, 1)
        XCTAssertEqual("\(r.location)", "7:3")
    }

    func testTableEntriesMustHoldOneResult() throws {
        let folder = try ScriptFolder(self)
        let text = head + """
        scorer [wanda, norm]
        pipeline [chained, isolated]
        amount [0, 30%]
        table t: rows scorer, columns amount, value perplexity
        table u: rows scorer, columns amount, value perplexity, where pipeline chained
        table v: rows scorer, columns scorer, value perplexity
        table w: rows scorer, columns amount, value hellaswag.acc

        """
        let got = try folder.diagnostics("tables.prune", text).sorted()
        XCTAssertEqual(got.map { "\($0.location): \($0.message)" }, [
            "7:7: table `t` would put two results at row wanda, column 0.3; they differ in pipeline (chained, isolated)",
            "9:7: table `v` has `scorer` as both rows and columns",
            "10:45: the script does not evaluate `hellaswag` above this line",
        ])
    }

    func testReplicatesCopyEveryPrunedCellPerSeed() throws {
        let folder = try ScriptFolder(self)
        let text = head + "scorer [wanda, random, norm]\namount [0, 30%]\nreplicate seed [1, 2, 3]\ntable t: rows scorer, columns amount, value perplexity\n"
        let (e, _) = try Checker.check(try folder.write("replicates.prune", text))
        let cells = Planner.cells(e)
        // wanda's calibration draw and random's own seed take each value; norm has neither, so it is one cell.
        XCTAssertEqual(cells.filter { $0.scorer?.name == "wanda" }.compactMap { $0.calibration?.seed }, [1, 2, 3])
        XCTAssertEqual(cells.filter { $0.scorer?.name == "random" }.map { $0.scorer?.parameters["seed"] }, [.number(1), .number(2), .number(3)])
        XCTAssertEqual(cells.filter { $0.scorer?.name == "norm" }.count, 1)
        XCTAssertEqual(cells.count, 1 + 3 + 3 + 1)
        let groups = Selection.groups(cells, metric: "perplexity", filters: [:], replicate: e.replicate, keepDense: true)
        XCTAssertEqual(groups.map(\.members.count), [1, 3, 3, 1])
        let bad = try folder.diagnostics("bad.prune", head + "scorer wanda\namount 30%\nreplicate seed [4]\nreplicate samples [1, 2]\n")
        XCTAssertEqual(bad.map { "\($0.location): \($0.message)" }, [
            "6:16: replicates need at least two different seeds, found 1",
            "7:1: `replicate` is given twice (first on line 6) with no figure, table or {{ }} reference between",
        ])
    }

    func testTogetherZipsListsInsteadOfCrossingThem() throws {
        let folder = try ScriptFolder(self)
        let text = head + """
        scorer wanda
        structure model.layers: [mlp.up_proj -> mlp.down_proj, mlp.up_proj]
        pipeline [chained, isolated]
        together structure, pipeline
        amount 30%

        """
        let (e, _) = try Checker.check(try folder.write("together.prune", text))
        let pairs = Planner.cells(e).map { "\($0.structure!.chain.joined(separator: ">")) \($0.pipeline!.rawValue)" }
        XCTAssertEqual(pairs, ["mlp.up_proj>mlp.down_proj chained", "mlp.up_proj isolated"])
        let bad = try folder.diagnostics("together-bad.prune", head + "scorer wanda\npipeline [chained, isolated]\ntogether scorer, pipeline\namount 30%\n")
        XCTAssertEqual(bad.map { "\($0.location): \($0.message)" }, ["6:1: lists swept together must have one length: scorer has 1, pipeline has 2"])
    }
}
