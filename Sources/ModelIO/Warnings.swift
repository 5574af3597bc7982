import Foundation

/// Warnings the libraries raise while carrying on (a damaged cache entry discarded, a torn record
/// skipped): one place where they go, standard error by default, so a command prints each one and a
/// test can collect them.
public enum Warnings {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var handler: @Sendable (String) -> Void = { message in
        FileHandle.standardError.write(Data("prune: warning: \(message)\n".utf8))
    }

    public static func emit(_ message: String) {
        lock.lock()
        let h = handler
        lock.unlock()
        h(message)
    }

    /// Replaces where warnings go; returns the previous destination, to put back.
    @discardableResult
    public static func redirect(_ to: @escaping @Sendable (String) -> Void) -> @Sendable (String) -> Void {
        lock.lock()
        defer { lock.unlock() }
        let old = handler
        handler = to
        return old
    }

    /// The warnings `body` raises, instead of printing them.
    public static func collecting<T>(_ body: () throws -> T) rethrows -> (T, [String]) {
        let box = Collected()
        let old = redirect { box.add($0) }
        defer { redirect(old) }
        let value = try body()
        return (value, box.all)
    }

    private final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
    }
}
