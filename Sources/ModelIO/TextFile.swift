import Foundation

/// Reading an input file with errors that name it, and the digest of exactly the bytes read: a result
/// keyed by that digest is provably computed from those bytes, whatever happens to the file later.
public enum TextFile {
    /// A file's bytes and their SHA-256, read once.
    public struct Contents: Sendable {
        public let data: Data
        public let sha256: String
    }

    public static func bytes(_ path: String) throws -> Contents {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ModelIOError(path, "no such file") }
        guard !isDirectory.boolValue else { throw ModelIOError(path, "is a folder, not a file") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ModelIOError(path, "cannot be read: \(FileSystemReason.of(error))")
        }
        return Contents(data: data, sha256: ContentHash.data(data))
    }

    /// A UTF-8 text and the SHA-256 of its bytes.
    public static func readHashed(_ path: String) throws -> (text: String, sha256: String) {
        let contents = try bytes(path)
        guard let text = String(data: contents.data, encoding: .utf8) else { throw ModelIOError(path, "not valid UTF-8 text") }
        return (text, contents.sha256)
    }

    public static func read(_ path: String) throws -> String { try readHashed(path).text }
}

/// Inputs checked before any work starts, so a wrong path fails in a second, not after an hour.
public enum InputFile {
    /// `path` is a readable, non-empty regular file.
    public static func check(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ModelIOError(path, "no such file") }
        guard !isDirectory.boolValue else { throw ModelIOError(path, "is a folder, not a file") }
        guard FileManager.default.isReadableFile(atPath: path) else { throw ModelIOError(path, "cannot be read: permission denied") }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard size > 0 else { throw ModelIOError(path, "is empty") }
    }
}
