import Crypto
import Foundation

/// SHA-256 digests of files and values, as lowercase hex: the identities caches and provenance records use.
public enum ContentHash {
    /// The digest of a whole file, read through a memory map.
    public static func file(_ path: String) throws -> String { mapped(try MappedFile(path: path)) }

    /// The digest of the bytes of a map already open: the bytes a reader of that map actually used.
    public static func mapped(_ map: MappedFile) -> String {
        var hasher = SHA256()
        let all = map.all
        var offset = 0
        // In 64 MiB slices so pages can be dropped behind the reader.
        while offset < all.count {
            let end = min(all.count, offset + 64 << 20)
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: all[offset..<end]))
            offset = end
        }
        return hex(hasher.finalize())
    }

    /// The digest of a file, or of a folder (a Hugging Face model): the sorted names of its visible files
    /// with each one's digest, so renaming, adding or editing any file changes it.
    public static func path(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return try file(path) }
        let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }.sorted()
        var listing = ""
        for name in names {
            let full = URL(fileURLWithPath: path).appendingPathComponent(name).path
            listing += "\(name)\t\(try Self.path(full))\n"
        }
        return string(listing)
    }

    public static func data(_ data: Data) -> String { hex(SHA256.hash(data: data)) }

    public static func string(_ text: String) -> String { data(Data(text.utf8)) }

    /// The digest of token windows, each id as 4 little-endian bytes and each window closed by a length.
    public static func tokens(_ windows: [[Int32]]) -> String {
        var hasher = SHA256()
        for w in windows {
            w.withUnsafeBufferPointer { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
            withUnsafeBytes(of: Int64(w.count).littleEndian) { hasher.update(bufferPointer: $0) }
        }
        return hex(hasher.finalize())
    }

    static func hex<D: Digest>(_ digest: D) -> String { digest.map { String(format: "%02x", $0) }.joined() }
}
