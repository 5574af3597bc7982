import ArgumentParser
import Foundation

@main
struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Prune large language models and measure what it costs.",
        version: PruneVersion.string,
        subcommands: [Inspect.self, Eval.self, Convert.self, PruneModel.self, Check.self, Run.self, Merge.self, Report.self, Bench.self]
    )

    static func main() {
        // A file size limit (ulimit -f) then fails the write with a plain error instead of killing us.
        signal(SIGXFSZ, SIG_IGN)
        main(nil)
    }
}

enum PruneVersion {
    static let string = "0.1.0"
}
