import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a file so that readers see either the old content or the new, never a part: the data goes to
/// a temporary file in the same folder, which rename(2) then puts in place in one step. A failed write
/// (a full disk, a file size limit, a read-only folder) removes its temporary file and throws one
/// plain-worded error naming the target.
public enum AtomicWrite {
    public static func write(_ data: Data, to path: String) throws {
        try stream(to: path) { sink in try sink(data) }
    }

    /// Like `write`, for files too big to hold in memory twice: `body` is handed a sink that appends
    /// chunks to the temporary file, which is renamed into place only when `body` returns.
    public static func stream(to path: String, _ body: ((Data) throws -> Void) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        try Folder.create(folder.path)
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).part").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ModelIOError(path, "cannot write: \(FileSystemReason.current)") }
        var closed = false
        do {
            try body { chunk in try Self.writeAll(fd, chunk, path: path) }
            guard fsync(fd) == 0 else { throw ModelIOError(path, "cannot write: \(FileSystemReason.current)") }
            closed = true
            guard close(fd) == 0 else { throw ModelIOError(path, "cannot write: \(FileSystemReason.current)") }
            guard rename(temporary, path) == 0 else {
                let reason = Glibc.errno == EISDIR || Glibc.errno == ENOTEMPTY || Glibc.errno == EEXIST ? "a folder is in the way" : FileSystemReason.current
                throw ModelIOError(path, "cannot write: \(reason)")
            }
        } catch {
            if !closed { close(fd) }
            unlink(temporary)
            throw error
        }
    }

    /// write(2) until every byte is out, retrying short writes and interruptions.
    public static func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if Glibc.errno == EINTR { continue }
                    throw ModelIOError(path, "cannot write: \(FileSystemReason.current)")
                }
                offset += n
            }
        }
    }
}

/// Folders this tool writes into.
public enum Folder {
    /// Creates `path` and its parents; a file in the way or a read-only parent is a plain one-line error.
    public static func create(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ModelIOError(path, "is a file, not a folder") }
            return
        }
        // Find the first existing ancestor, to say which part of the path is wrong.
        var ancestor = URL(fileURLWithPath: path).deletingLastPathComponent()
        while ancestor.path != "/" && !FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
            ancestor.deleteLastPathComponent()
        }
        if FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw ModelIOError(ancestor.path, "is a file, not a folder (needed for \(path))")
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ModelIOError(path, "cannot create the folder: \(FileSystemReason.of(error))")
        }
    }

    /// Checks that files can be created in `path` (creating it if needed), by creating and removing one.
    public static func checkWritable(_ path: String) throws {
        try create(path)
        let probe = URL(fileURLWithPath: path).appendingPathComponent(".prune-write-check-\(getpid())").path
        let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ModelIOError(path, "cannot write into this folder: \(FileSystemReason.current)") }
        close(fd)
        unlink(probe)
    }
}
