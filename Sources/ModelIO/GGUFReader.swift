/// A bounds-checked little-endian cursor over a GGUF header. Every read that would run past the end of
/// the file throws a "truncated" error instead of crashing.
struct GGUFReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    var offset = 0

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    private func need(_ n: Int, _ what: @autoclosure () -> String) throws {
        guard n >= 0, offset <= bytes.count - n else {
            throw ModelIOError(path, "truncated file: \(what()) at byte \(offset) runs past the end (\(bytes.count) bytes)")
        }
    }

    mutating func scalar<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try need(MemoryLayout<T>.size, what())
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func string(_ what: @autoclosure () -> String) throws -> String {
        let length = try scalar(UInt64.self, what())
        guard length <= UInt64(bytes.count) else {
            throw ModelIOError(path, "truncated file: \(what()) claims \(length) bytes at byte \(offset)")
        }
        try need(Int(length), what())
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(length)]), as: UTF8.self)
        offset += Int(length)
        return text
    }

    /// Arrays nested deeper than this are refused (real files nest at most two levels), so a corrupt
    /// file cannot recurse the reader off its stack.
    static let maxArrayDepth = 64

    mutating func value(type: UInt32, _ what: @autoclosure () -> String, depth: Int = 0) throws -> GGUFValue {
        switch type {
        case 0: return .uint8(try scalar(UInt8.self, what()))
        case 1: return .int8(try scalar(Int8.self, what()))
        case 2: return .uint16(try scalar(UInt16.self, what()))
        case 3: return .int16(try scalar(Int16.self, what()))
        case 4: return .uint32(try scalar(UInt32.self, what()))
        case 5: return .int32(try scalar(Int32.self, what()))
        case 6: return .float32(Float(bitPattern: try scalar(UInt32.self, what())))
        case 7: return .bool(try scalar(UInt8.self, what()) != 0)
        case 8: return .string(try string(what()))
        case 9:
            guard depth < Self.maxArrayDepth else {
                throw ModelIOError(path, "\(what()) nests arrays more than \(Self.maxArrayDepth) deep")
            }
            let elementType = try scalar(UInt32.self, what())
            let count = try scalar(UInt64.self, what())
            // Each element takes at least one byte, so a count beyond the file size is corrupt.
            guard count <= UInt64(bytes.count - offset) else {
                throw ModelIOError(path, "truncated file: \(what()) claims \(count) array items at byte \(offset)")
            }
            var items: [GGUFValue] = []
            items.reserveCapacity(Int(count))
            for _ in 0..<Int(count) { items.append(try value(type: elementType, what(), depth: depth + 1)) }
            return .array(items)
        case 10: return .uint64(try scalar(UInt64.self, what()))
        case 11: return .int64(try scalar(Int64.self, what()))
        case 12: return .float64(Double(bitPattern: try scalar(UInt64.self, what())))
        default: throw ModelIOError(path, "\(what()) has unknown metadata value type \(type)")
        }
    }
}
