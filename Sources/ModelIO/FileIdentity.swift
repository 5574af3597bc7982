import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which file a path names and which version of it: device, inode, size and modification time. Taken
/// when a model is loaded, it tells a file rewritten in place (same inode, new size or time: a memory
/// map of it now shows other bytes) from one replaced by a rename (a new inode: the map keeps the old).
public struct FileIdentity: Equatable, Sendable {
    public let device: UInt64
    public let inode: UInt64
    public let size: Int64
    public let modifiedSeconds: Int64
    public let modifiedNanoseconds: Int64

    /// The identity of the file at `path` now; nil when it cannot be stat'ed (gone).
    public static func of(_ path: String) -> FileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let time = info.st_mtimespec
        #else
        let time = info.st_mtim
        #endif
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                            modifiedSeconds: Int64(time.tv_sec), modifiedNanoseconds: Int64(time.tv_nsec))
    }

    /// Whether `now` is this same file with other contents: rewritten or truncated in place.
    public func rewrittenInPlace(_ now: FileIdentity?) -> Bool {
        guard let now, now.device == device, now.inode == inode else { return false }
        return now != self
    }
}
