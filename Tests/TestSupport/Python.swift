import Foundation
import XCTest

/// Runs small Python checks against other libraries' own readers (gguf, tokenizers), when installed.
public enum Python {
    /// Skips the calling test, saying how to enable it, unless `python3` can import every module.
    public static func require(_ modules: [String]) throws {
        let r = try run("import " + modules.joined(separator: ", "), [])
        guard r.status == 0 else {
            throw TestPaths.missing("Python packages \(modules.joined(separator: ", ")) not importable; pip install them to run this check")
        }
    }

    /// `python3 -c script args...`: exit status and standard output.
    public static func run(_ script: String, _ arguments: [String]) throws -> (status: Int32, stdout: Data) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script] + arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, out)
    }
}
