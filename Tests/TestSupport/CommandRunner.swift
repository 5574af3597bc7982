import Foundation
import XCTest

/// Runs the built `prune` executable as a user would and captures what it prints.
public struct CommandResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public enum PruneCommand {
    /// The `prune` binary of the same build as the tests: it sits in the products folder beside the test
    /// bundle (which, on Linux, is itself the main bundle's folder).
    public static var executable: URL {
        var folders = [Bundle.main.bundleURL]
        for b in Bundle.allBundles where b.bundlePath.hasSuffix(".xctest") { folders.append(b.bundleURL.deletingLastPathComponent()) }
        for folder in folders {
            let candidate = folder.appendingPathComponent("prune")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return folders[0].appendingPathComponent("prune")
    }

    @discardableResult
    public static func run(_ arguments: [String], in directory: URL? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? TestPaths.root
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes fully before waiting, so a chatty child never blocks on a full pipe.
        let group = DispatchGroup()
        let collected = Collected()
        group.enter()
        DispatchQueue.global().async {
            collected.stdout = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let outData = collected.stdout
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// What the reader thread collected; read only after the group has been waited for.
private final class Collected: @unchecked Sendable {
    var stdout = Data()
}
