/// Several sequences in one window, so that short ones fill a GEMM and choices that share a context
/// compute it once. Token i sits at rotary position `positions[i]` and attends to the keys in
/// `prefix[i]` (a context it shares with other segments, possibly empty) and in `segmentStart[i]...i`
/// (its own segment up to itself). One plain sequence is positions 0..<n, no prefix, segment start 0.
public struct PackedLayout: Sendable, Equatable {
    public private(set) var positions: [Int32] = []
    public private(set) var prefixStart: [Int32] = []
    public private(set) var prefixEnd: [Int32] = []
    public private(set) var segmentStart: [Int32] = []

    public init() {}

    public var count: Int { positions.count }

    /// Appends a segment of `length` tokens at rotary positions from `position`, seeing `prefix` (rows of
    /// this window laid out earlier) before its own tokens. Returns the rows it occupies.
    @discardableResult
    public mutating func append(length: Int, position: Int, prefix: Range<Int> = 0..<0) -> Range<Int> {
        precondition(prefix.upperBound <= count && length >= 0)
        let start = count
        for i in 0..<length {
            positions.append(Int32(position + i))
            prefixStart.append(Int32(prefix.isEmpty ? start : prefix.lowerBound))
            prefixEnd.append(Int32(prefix.isEmpty ? start : prefix.upperBound))
            segmentStart.append(Int32(start))
        }
        return start..<count
    }

    /// The earliest key any of rows `rows` attends to.
    func firstKey(_ rows: Range<Int>) -> Int {
        var k = Int.max
        for r in rows { k = min(k, Int(prefixStart[r]), Int(segmentStart[r])) }
        return k == Int.max ? 0 : k
    }
}
