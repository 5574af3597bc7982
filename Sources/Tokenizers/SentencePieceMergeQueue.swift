/// The pairs a word could merge next, best first: lowest priority, then leftmost, as both sentencepiece
/// and tokenizers pick. A binary min-heap, so a long word costs n log n rather than n² to encode.
/// Entries go stale when a neighbour merges first; the caller checks them when they come out.
struct SentencePieceMergeQueue {
    struct Entry {
        var priority: Double
        /// Where the left symbol starts in the word; the right one follows it.
        var left: Int
        var leftID: Int32
        var rightID: Int32

        func before(_ other: Entry) -> Bool {
            priority != other.priority ? priority < other.priority : left < other.left
        }
    }

    private var heap: [Entry] = []

    mutating func push(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].before(heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        guard !heap.isEmpty else { return top }
        heap[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var best = i
            if l < heap.count && heap[l].before(heap[best]) { best = l }
            if r < heap.count && heap[r].before(heap[best]) { best = r }
            guard best != i else { return top }
            heap.swapAt(i, best)
            i = best
        }
    }
}
