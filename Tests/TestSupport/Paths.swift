import Foundation
import XCTest

/// Where the repository, the default model, the corpus and the shared reference are, seen from a test.
public enum TestPaths {
    /// The package root: the folder holding Package.swift, found upward from this file.
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    public static var model: URL {
        if let p = ProcessInfo.processInfo.environment["PRUNE_MODEL"] { return URL(fileURLWithPath: p) }
        return root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")
    }

    public static var data: URL { root.appendingPathComponent("data") }
    public static var reference: URL { root.deletingLastPathComponent().appendingPathComponent("shared/reference") }

    /// Whether this run is CI's (`CI=true`): there a missing input fails the test instead of skipping it,
    /// so CI never goes green with its parity and cross-checks silently skipped.
    public static var inCI: Bool { ["true", "1"].contains(ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? "") }

    /// What a test throws when something it needs is absent: a skip on a developer's machine, a failure in CI.
    public static func missing(_ message: String) -> Error {
        inCI ? MissingInCI(description: message + " (CI=true: a missing input fails)") : XCTSkip(message)
    }

    /// A program on PATH, or nil.
    public static func executable(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// The default model's path, or a skip that says how to get it.
    public static func requireModel() throws -> String {
        guard FileManager.default.fileExists(atPath: model.path) else {
            throw missing("default model not found at \(model.path); run scripts/setup.sh")
        }
        return model.path
    }

    /// A corpus file under data/, or a skip that says how to get it.
    public static func requireData(_ name: String) throws -> String {
        let p = data.appendingPathComponent(name).path
        guard FileManager.default.fileExists(atPath: p) else { throw missing("\(p) not found; run scripts/setup.sh") }
        return p
    }

    /// A file of the shared reference, or a skip naming the missing path.
    public static func requireReference(_ name: String) throws -> URL {
        let url = reference.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw missing("shared reference \(url.path) not present; parity check skipped")
        }
        return url
    }

    /// A fresh temporary folder, removed when the test ends.
    public static func temporaryFolder(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prune-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

/// The error a test fails with in CI when an input it needs is missing.
public struct MissingInCI: Error, CustomStringConvertible {
    public let description: String
}
