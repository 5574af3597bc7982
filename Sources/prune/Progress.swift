import Foundation

/// Progress on stderr: a redrawn bar with an ETA on a terminal, a plain line every tenth otherwise
/// (so logs of batch jobs stay short).
final class Progress: @unchecked Sendable {
    private let label: String
    private let start = Date()
    private let lock = NSLock()
    private var lastDecile = -1

    init(_ label: String) { self.label = label }

    func update(_ done: Int, _ total: Int) {
        lock.lock()
        defer { lock.unlock() }
        let elapsed = Date().timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        if Terminal.stderrIsTTY {
            let width = 30, filled = total > 0 ? width * done / total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let line = String(format: "\r%@ [%@] %d/%d  %.0fs elapsed, ETA %.0fs ", label, bar, done, total, elapsed, eta)
            FileHandle.standardError.write(Data(line.utf8))
            if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
        } else {
            let decile = total > 0 ? 10 * done / total : 10
            guard decile != lastDecile else { return }
            lastDecile = decile
            Terminal.note(String(format: "%@: %d/%d (%.0fs elapsed, ETA %.0fs)", label, done, total, elapsed, eta))
        }
    }
}
