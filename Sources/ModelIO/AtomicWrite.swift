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

    /// Like `write`, for files too big to hold in memory twice: `body` is handed a sink that appends
    /// chunks to the temporary file, which is renamed into place only when `body` returns.
    public static func stream(to path: String, _ body: ((Data) throws -> Void) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).part")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw ModelIOError(path, "cannot create \(temporary.path)")
            }
            let handle = try FileHandle(forWritingTo: temporary)
            do {
                try body { try handle.write(contentsOf: $0) }
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            guard rename(temporary.path, path) == 0 else { throw ModelIOError(path, "cannot write: \(String(cString: strerror(errno)))") }
        } catch let error as ModelIOError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw ModelIOError(path, "cannot write: \(error.localizedDescription)")
        }
    }
}
