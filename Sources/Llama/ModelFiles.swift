import Foundation
import ModelIO

/// Which files make up a model, and one digest of their contents: what a result computed from the model
/// is keyed by. A `.gguf` is one file; a Hugging Face folder is the files the loader reads (config.json,
/// the tokenizer files, the safetensors index and weights), so a README or a pruning.json beside them
/// does not change the digest, but any byte the loader reads does.
public enum ModelFiles {
    /// The names, inside a model folder, of the files loading it may read, sorted.
    public static func inputs(folder: String) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw ModelIOError(folder, "cannot list the folder: \(FileSystemReason.of(error))")
        }
        return names.filter { name in
            !name.hasPrefix(".") && (name == "config.json" || name.hasPrefix("tokenizer") || name.hasSuffix(".safetensors")
                                     || name == "model.safetensors.index.json")
        }.sorted()
    }

    /// SHA-256 of a `.gguf` file, or of a folder's input files: their sorted names, each with its own digest.
    public static func sha256(_ path: String) throws -> String {
        guard try ModelSource.isFolder(path) else { return try ContentHash.file(path) }
        var listing = ""
        for name in try inputs(folder: path) {
            listing += "\(name)\t\(try ContentHash.file(URL(fileURLWithPath: path).appendingPathComponent(name).path))\n"
        }
        return ContentHash.string(listing)
    }

    /// Bytes a saved model takes on disk: a `.gguf` file's size, or the sum of a folder's input files;
    /// nil when it cannot be read.
    public static func byteSize(_ path: String) -> Int? {
        let fm = FileManager.default
        func size(_ p: String) -> Int? { (try? fm.attributesOfItem(atPath: p))?[.size] as? Int }
        guard (try? ModelSource.isFolder(path)) == true else { return size(path) }
        guard let names = try? inputs(folder: path) else { return nil }
        return names.reduce(0) { $0 + (size(URL(fileURLWithPath: path).appendingPathComponent($1).path) ?? 0) }
    }
}
