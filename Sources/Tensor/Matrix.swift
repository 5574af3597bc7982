/// A row-major Float32 matrix that owns its storage. Weights are `[out, in]` as PyTorch stores them,
/// activations `[tokens, features]`.
public struct Matrix: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    public let storage: FloatStorage

    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        storage = FloatStorage(count: rows * columns)
    }

    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "matrix \(rows)x\(columns) needs \(rows * columns) values, got \(values.count)")
        self.init(rows: rows, columns: columns)
        values.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    public var count: Int { rows * columns }
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    public func row(_ r: Int) -> UnsafeMutablePointer<Float> { storage.pointer + r * columns }

    public subscript(r: Int, c: Int) -> Float {
        get { storage.pointer[r * columns + c] }
        nonmutating set { storage.pointer[r * columns + c] = newValue }
    }

    public var values: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// A copy holding only the listed rows, in the order given.
    public func selectingRows(_ keep: [Int]) -> Matrix {
        let out = Matrix(rows: keep.count, columns: columns)
        for (i, r) in keep.enumerated() { out.row(i).update(from: row(r), count: columns) }
        return out
    }

    /// A copy holding only the listed columns, in the order given.
    public func selectingColumns(_ keep: [Int]) -> Matrix {
        let out = Matrix(rows: rows, columns: keep.count)
        for r in 0..<rows {
            let src = row(r), dst = out.row(r)
            for (j, c) in keep.enumerated() { dst[j] = src[c] }
        }
        return out
    }

    /// The transpose, [columns, rows], in blocks so both sides stay in cache.
    public func transposed() -> Matrix {
        let out = Matrix(rows: columns, columns: rows)
        let b = 64
        for r0 in stride(from: 0, to: rows, by: b) {
            for c0 in stride(from: 0, to: columns, by: b) {
                let c1 = Swift.min(columns, c0 + b)
                for r in r0..<Swift.min(rows, r0 + b) {
                    // Stepping pointers, not `c * rows + r` per element: with overflow checks on, the
                    // index product tripled this loop's instructions (the 49152 × 576 output head).
                    var src = row(r) + c0, dst = out.pointer + c0 * rows + r
                    for _ in c0..<c1 {
                        dst.pointee = src.pointee
                        src += 1
                        dst += rows
                    }
                }
            }
        }
        return out
    }

    public func copy() -> Matrix {
        let out = Matrix(rows: rows, columns: columns)
        out.pointer.update(from: pointer, count: count)
        return out
    }
}

/// 64-byte aligned, zero-initialised storage of `count` numbers, freed with its last reference.
public final class AlignedStorage<Element: ExpressibleByIntegerLiteral>: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Element>
    public let count: Int

    public init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Element>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Element.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }
}

/// Float32 matrix storage.
public typealias FloatStorage = AlignedStorage<Float>
