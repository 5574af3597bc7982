import Foundation
@testable import Script
import XCTest

/// The syntax tree of representative lines, written out by hand.
final class ParserTests: XCTestCase {
    func parse(_ text: String) -> Script {
        let (script, diagnostics) = Parser.parse(SourceFile(path: "t.prune", text: text))
        XCTAssertEqual(diagnostics, [])
        return script
    }

    func testStatementsAndValues() {
        let s = parse("""
        # a comment
        model "m.gguf"   # trailing comment
        scorer [wpr(gamma: 0.5, theta: 30%), wanda]
        amount 0%...50% step 10%
        structure model.layers: mlp.up_proj -> mlp.down_proj
        figure f: x amount, log y
        """).statements
        XCTAssertEqual(s.map(\.keyword), ["model", "scorer", "amount", "structure", "figure"])
        XCTAssertEqual(s[0].clauses, [[.string("m.gguf", SourceLocation(line: 2, column: 7, length: 8))]])
        guard case .list(let items, _) = s[1].clauses[0][0], case .call("wpr", let args, _) = items[0] else { return XCTFail("\(s[1])") }
        XCTAssertEqual(args.map(\.name), ["gamma", "theta"])
        XCTAssertEqual(args[1].value, .number(0.3, percent: true, SourceLocation(line: 3, column: 32, length: 3)))
        XCTAssertEqual(items[1], .word("wanda", SourceLocation(line: 3, column: 38, length: 5)))
        guard case .range(.number(0, true, _), .number(0.5, true, _), .number(let step, true, _)?, _) = s[2].clauses[0][0] else { return XCTFail("\(s[2])") }
        XCTAssertEqual(step, 0.1, accuracy: 1e-15)
        XCTAssertEqual(s[3].head, .word("model.layers", SourceLocation(line: 5, column: 11, length: 12)))
        guard case .chain(let parts, _) = s[3].clauses[0][0] else { return XCTFail("\(s[3])") }
        XCTAssertEqual(parts.count, 2)
        XCTAssertEqual(s[4].clauses.count, 2)
    }

    func testProseBlocksKeepTheirMarkdownInOrder() {
        let script = parse("\"\"\"\n# Title\n\nSome *text*.\n\"\"\"\nmodel \"m.gguf\"\n\"\"\"\nMore.\n\"\"\"\n")
        guard script.items.count == 3, case .prose(let first, _) = script.items[0], case .statement = script.items[1],
              case .prose(let second, _) = script.items[2] else { return XCTFail("\(script.items)") }
        XCTAssertEqual(first, "# Title\n\nSome *text*.")
        XCTAssertEqual(second, "More.")
    }
}
