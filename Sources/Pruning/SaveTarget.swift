import Foundation
import ModelIO

/// Where a pruned model is saved: a `.gguf` file, or any other name a Hugging Face folder.
public enum SaveTarget {
    /// Finds, before any work, a save path that cannot be written: an unwritable or impossible folder,
    /// or something of the other kind in the way (a folder where the `.gguf` file goes, a file where the
    /// model folder goes).
    public static func checkWritable(_ path: String) throws {
        let isFile = path.hasSuffix(".gguf")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isFile && isDirectory.boolValue { throw ModelIOError(path, "is a folder; a .gguf model is saved as a file") }
            if !isFile && !isDirectory.boolValue {
                throw ModelIOError(path, "is a file; a model without the .gguf extension is saved as a Hugging Face folder")
            }
        }
        // The folder the model goes into (created now, as it would be anyway); the model itself is not.
        try Folder.checkWritable(URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }
}
