import Dispatch
import Foundation

public enum Parallel {
    /// Cores this process may use.
    public static var cores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Runs `body(i)` for i in 0..<count on up to `threads` threads (as `stripes` hands them out).
    public static func forEach(_ count: Int, threads: Int = Parallel.cores, _ body: (Int) -> Void) {
        stripes(count, threads: threads) { _, i in body(i) }
    }

    /// Worker w takes items w, w + W, w + 2W, ... in that order (W workers): which worker sums which
    /// items depends only on their count, so per-worker partial sums merged in worker order give the same
    /// bits on every run (with `workQueue` they differed in the 7th digit of a perplexity from run to run).
    /// For passes that accumulate; `body(worker, item)`.
    public static func stripes(_ count: Int, threads: Int, _ body: (Int, Int) -> Void) {
        let workers = max(1, min(threads, count))
        if workers == 1 {
            for i in 0..<count { body(0, i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for i in stride(from: worker, to: count, by: workers) { box.value(worker, i) }
            }
        }
    }

    /// Hands out the items 0..<count to `threads` workers, each taking the next free item, so a slow item
    /// does not hold up the rest. `body(worker, item)`. For work whose results do not depend on which
    /// worker did what (each item's result kept apart); passes that accumulate use `stripes`.
    public static func workQueue(_ count: Int, threads: Int, _ body: (Int, Int) -> Void) {
        let workers = max(1, min(threads, count))
        if workers == 1 {
            for i in 0..<count { body(0, i) }
            return
        }
        let next = Counter()
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                while true {
                    let item = next.take()
                    if item >= count { break }
                    box.value(worker, item)
                }
            }
        }
    }
}

/// A closure or value passed to worker threads whose safety the caller guarantees (disjoint writes).
public struct UncheckedBox<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}

/// A thread-safe counter handing out increasing integers.
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()

    func take() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value - 1
    }
}

/// Counts finished items across threads and reports each step (for progress bars).
public final class StepCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    public let total: Int
    let report: (@Sendable (Int, Int) -> Void)?

    public init(total: Int, report: (@Sendable (Int, Int) -> Void)?) {
        self.total = total
        self.report = report
    }

    public func step() {
        lock.lock()
        done += 1
        let now = done
        lock.unlock()
        report?(now, total)
    }
}

/// One result per item of a parallel loop: each worker fills the slots of the items it took (each slot
/// once), and the caller reads them in item order afterwards, so the outcome does not depend on which
/// worker ran what. Failures are kept as results and rethrown when their slot is read.
public final class ResultSlots<T>: @unchecked Sendable {
    private var slots: [Result<T, Error>?]
    private let lock = NSLock()

    public init(_ count: Int) { slots = .init(repeating: nil, count: count) }

    public func set(_ i: Int, _ result: Result<T, Error>) {
        lock.lock()
        precondition(slots[i] == nil, "result slot \(i) filled twice")
        slots[i] = result
        lock.unlock()
    }

    /// The result of item `i`; a slot no worker filled is a programming error.
    public func get(_ i: Int) throws -> T {
        lock.lock()
        let slot = slots[i]
        lock.unlock()
        guard let slot else { preconditionFailure("result slot \(i) was never filled") }
        return try slot.get()
    }
}
