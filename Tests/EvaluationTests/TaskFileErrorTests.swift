@testable import Evaluation
import Foundation
import ModelIO
import TestSupport
import Tokenizers
import XCTest

/// A malformed task file is an error at its line, never a crash or a silently skipped item.
final class TaskFileErrorTests: XCTestCase {
    func tokenizer() throws -> any Tokenizer {
        let path = try TestPaths.temporaryFolder(self).appendingPathComponent("tiny.gguf").path
        try TinyLlama(seed: 5).write(to: path)
        return try loadTokenizer(from: GGUFFile(path: path))
    }

    func error(_ task: String, _ lines: [String]) throws -> String {
        let data = Data(lines.joined(separator: "\n").utf8)
        do {
            _ = try EvaluatorRegistry.make(EvaluationSetting(task: task, text: "t.jsonl"), data: data, tokenizer: try tokenizer())
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func testEachFaultIsLocated() throws {
        let good = #"{"goal": "open a jar", "sol1": "twist the lid", "sol2": "shout at it", "label": 0}"#
        XCTAssertEqual(try error("piqa", [good, #"{"goal": "x", "sol1": "a", "label": 1}"#]), "t.jsonl:2: missing field \"sol2\"")
        XCTAssertEqual(try error("piqa", [good, good, #"{"goal": 3, "sol1": "a", "sol2": "b", "label": 1}"#]),
                       "t.jsonl:3: field \"goal\" must be a string, found a number")
        XCTAssertEqual(try error("piqa", [#"{"goal": "x", "sol1": "a", "sol2": "b", "label": 2}"#]),
                       "t.jsonl:1: the answer is choice 2 (counting from 0) of 2; it must be one of them")
        XCTAssertEqual(try error("piqa", [#"{"goal": "x", "sol1": "a", "sol2": "b", "label": true}"#]),
                       "t.jsonl:1: field \"label\" must be an integer, found a boolean")
        XCTAssertEqual(try error("piqa", []), "t.jsonl: holds no records")
        XCTAssertEqual(try error("piqa", ["", "  "]), "t.jsonl: holds no records")
        XCTAssertEqual(try error("piqa", [good, "[1, 2]"]),
                       "t.jsonl:2: not a JSON object (a task file holds one record per line, as datasets' to_json writes them)")
        XCTAssertEqual(try error("hellaswag", [#"{"activity_label": "a", "ctx_a": "b", "ctx_b": "c", "endings": ["x", 2], "label": "0"}"#]),
                       "t.jsonl:1: field \"endings\" must be a list of strings, found a list")
        XCTAssertEqual(try error("hellaswag", [#"{"activity_label": "a", "ctx_a": "b", "ctx_b": "c", "endings": ["x", "y"], "label": "one"}"#]),
                       "t.jsonl:1: field \"label\" must be an integer or a string of digits, found a string")
        XCTAssertEqual(try error("arc_easy", [#"{"question": "q", "choices": {"text": ["a", "b"], "label": ["A", "B"]}, "answerKey": "C"}"#]),
                       "t.jsonl:1: the answer key \"C\" is not among the labels \"A\", \"B\"")
        XCTAssertEqual(try error("winogrande", [#"{"sentence": "no blank here", "option1": "a", "option2": "b", "answer": "1"}"#]),
                       "t.jsonl:1: field \"sentence\" has no blank `_`")
        XCTAssertEqual(try error("winogrande", [#"{"sentence": "a _ b", "option1": "a", "option2": "b", "answer": "3"}"#]),
                       "t.jsonl:1: field \"answer\" must be \"1\" or \"2\", found \"3\"")
        XCTAssertEqual(try error("lambada_openai", [#"{"text": "oneword"}"#]), "t.jsonl:1: field \"text\" has no space before a last word")
        XCTAssertEqual(try error("wikitext", [#"{"text": "a page"}"#]), "t.jsonl:1: missing field \"page\"")
        // `limit` stops reading: a bad record after the first N is not read.
        let data = Data([good, "not json"].joined(separator: "\n").utf8)
        XCTAssertNoThrow(try EvaluatorRegistry.make(EvaluationSetting(task: "piqa", text: "t.jsonl", limit: 1), data: data, tokenizer: try tokenizer()))
    }

    /// What lm-eval's own helpers give, worked by hand: hellaswag's cleaning, Python's capitalize,
    /// wikitext's word count, the windows of a short document.
    func testTextHelpersByHand() {
        XCTAssertEqual(HellaSwag.preprocess("  Cut it [title] Step one [step]  more [x\ny]  "), "Cut it. Step one  more [x\ny]")   // Python gives this
        XCTAssertEqual(HellaSwag.pythonCapitalize("the NASA team"), "The nasa team")
        XCTAssertEqual(Wikitext.words(" = Title = \n a  b\n"), 7)   // Python: len(re.split(r"\s+", ...))
        XCTAssertEqual(Wikitext.windows([10, 11, 12, 13, 14], maxLength: 2, prefix: 1),
                       [LoglikelihoodRequest(context: [1], continuation: [10, 11]),
                        LoglikelihoodRequest(context: [11], continuation: [12, 13]),
                        LoglikelihoodRequest(context: [12, 13], continuation: [14])])
    }
}
