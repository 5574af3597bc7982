import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a file so that readers see either the old content or the new, never a part: the data goes to
/// a temporary file in the same folder, which rename(2) then puts in place in one step.
public enum AtomicWrite {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).part")
            try data.write(to: temporary)
            guard rename(temporary.path, path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw ModelIOError(path, "cannot write: \(reason)")
            }
        } catch let error as ModelIOError {
            throw error
        } catch {
            throw ModelIOError(path, "cannot write: \(error.localizedDescription)")
        }
    }
}
