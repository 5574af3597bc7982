import Foundation
import Tensor
import XCTest

/// `Parallel.stripes` gives worker w the items w, w + W, w + 2W, ... in order, whatever the timing, so
/// per-worker sums are the same on every run; `workQueue` hands every item out once.
final class ParallelTests: XCTestCase {
    final class Log: @unchecked Sendable {
        let lock = NSLock()
        var seen: [(worker: Int, item: Int)] = []
        func add(_ w: Int, _ i: Int) { lock.lock(); seen.append((w, i)); lock.unlock() }
    }

    func testStripesAssignItemsByWorkerIndexInOrder() {
        for (count, threads) in [(10, 2), (7, 3), (2, 4), (1, 2), (0, 2)] {
            let log = Log()
            Parallel.stripes(count, threads: threads) { w, i in
                if i % 3 == 0 { usleep(200) }  // uneven items: a work queue would hand them out differently
                log.add(w, i)
            }
            let workers = max(1, min(threads, count))
            XCTAssertEqual(log.seen.map(\.item).sorted(), Array(0..<count), "\(count) items, \(threads) threads")
            for w in 0..<workers {
                XCTAssertEqual(log.seen.filter { $0.worker == w }.map(\.item), Array(stride(from: w, to: count, by: workers)),
                               "worker \(w) of \(workers), \(count) items")
            }
        }
    }

    func testWorkQueueHandsOutEveryItemOnce() {
        let log = Log()
        Parallel.workQueue(50, threads: 3) { w, i in log.add(w, i) }
        XCTAssertEqual(log.seen.map(\.item).sorted(), Array(0..<50))
        XCTAssertTrue(log.seen.allSatisfy { (0..<3).contains($0.worker) })
    }
}
