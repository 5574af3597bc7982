import Foundation
import ModelIO
#if canImport(Glibc)
import Glibc
#endif

/// One writer per results file: an exclusive `flock` on a lock file beside it, held for a whole run and
/// released by the kernel when the process ends, however it ends. The holder's pid is written into the
/// file so that a second writer can say who is in the way.
public final class OutputLock: @unchecked Sendable {
    public let path: String
    private let fd: Int32

    /// The lock guarding `file` (`results.jsonl`, or a shard's own file) in `folder`.
    public static func path(folder: URL, file: String) -> String { folder.appendingPathComponent(".\(file).lock").path }

    /// Takes the lock, or throws `FolderInUse` at once; with `wait`, blocks until the holder is done
    /// (`waiting` is told the holder's pid first).
    public init(folder: URL, file: String = "results.jsonl", wait: Bool = false, waiting: (Int32?) -> Void = { _ in }) throws {
        try Folder.create(folder.path)
        path = Self.path(folder: folder, file: file)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ModelIOError(path, "cannot open the lock file: \(FileSystemReason.current)") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let busy = errno == EWOULDBLOCK
            guard busy else {
                let reason = FileSystemReason.current
                close(fd)
                throw ModelIOError(path, "cannot lock: \(reason)")
            }
            let holder = Self.holder(fd)
            guard wait else {
                close(fd)
                throw FolderInUse(folder: folder.path, pid: holder)
            }
            waiting(holder)
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    let reason = FileSystemReason.current
                    close(fd)
                    throw ModelIOError(path, "cannot lock: \(reason)")
                }
            }
        }
        let pid = Data("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit { close(fd) }   // closing the descriptor releases the lock

    private static func holder(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// Another process holds the results folder.
public struct FolderInUse: Error, CustomStringConvertible {
    public let folder: String
    public let pid: Int32?
    public var description: String { "\(folder): in use by process \(pid.map(String.init) ?? "(unknown)")" }
    /// EX_TEMPFAIL: try again later.
    public static let exitStatus: Int32 = 75
}
