import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Plain words for why a file operation failed ("no space left on device"), from a POSIX error number
/// or a Foundation error, whose own text ("The operation could not be completed") says nothing.
public enum FileSystemReason {
    public static func of(_ error: Error) -> String {
        if let e = error as? ModelIOError { return e.problem }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return errno(Int32(ns.code)) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying !== ns { return of(underlying) }
        switch ns.code {
        case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return "no such file or folder"
        case NSFileWriteOutOfSpaceError: return "no space left on device"
        case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: return "permission denied"
        case NSFileWriteVolumeReadOnlyError: return "read-only file system"
        case NSFileWriteFileExistsError: return "a file is in the way"
        case NSFileReadInvalidFileNameError, NSFileWriteInvalidFileNameError: return "invalid file name"
        default: return ns.localizedDescription
        }
    }

    /// strerror's text, starting lowercase as every message of this tool does.
    public static func errno(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    /// The current `errno`'s text.
    public static var current: String { errno(Glibc.errno) }
}
