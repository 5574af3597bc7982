import Foundation

/// Reading a text input with errors that name the file.
public enum TextFile {
    public static func read(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ModelIOError(path, "no such file") }
        guard !isDirectory.boolValue else { throw ModelIOError(path, "is a folder, not a text file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelIOError(path, "cannot be read") }
        guard let text = String(data: data, encoding: .utf8) else { throw ModelIOError(path, "not valid UTF-8 text") }
        return text
    }
}
