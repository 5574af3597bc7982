/// One metadata value of a GGUF file.
public indirect enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    case array([GGUFValue])

    public var int: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(v)
        case .bool(let v): v ? 1 : 0
        default: nil
        }
    }

    public var double: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        default: int.map(Double.init)
        }
    }

    /// A float32 value as the shortest decimal that rounds to it (1e-5, not 9.99999974e-06), so a
    /// config.json written from GGUF metadata says what the model's authors wrote.
    public var shortestDouble: Double? {
        if case .float32(let v) = self { return Double("\(v)") }
        return double
    }

    public var bool: Bool? {
        if case .bool(let v) = self { return v }
        return int.map { $0 != 0 }
    }

    public var string: String? {
        if case .string(let v) = self { return v }
        return nil
    }

    public var array: [GGUFValue]? {
        if case .array(let v) = self { return v }
        return nil
    }

    public var strings: [String]? { array?.compactMapAll(\.string) }
    public var ints: [Int]? { array?.compactMapAll(\.int) }
    public var doubles: [Double]? { array?.compactMapAll(\.double) }

    /// A short rendering for `prune inspect`: long arrays are summarised.
    public var summary: String {
        switch self {
        case .string(let s): return s.count > 60 ? "\"\(s.prefix(57))...\"" : "\"\(s)\""
        case .array(let a):
            let head = a.prefix(3).map(\.summary).joined(separator: ", ")
            return a.count > 3 ? "[\(head), ... (\(a.count) items)]" : "[\(head)]"
        case .bool(let b): return "\(b)"
        case .float32(let f): return "\(f)"
        case .float64(let f): return "\(f)"
        case .uint64(let v): return "\(v)"   // above Int.max, `int` is nil
        default: return int.map(String.init) ?? "?"
        }
    }
}

extension Array {
    /// `compactMap` that fails as a whole when any element does not convert.
    func compactMapAll<T>(_ transform: (Element) -> T?) -> [T]? {
        var out: [T] = []
        out.reserveCapacity(count)
        for element in self {
            guard let value = transform(element) else { return nil }
            out.append(value)
        }
        return out
    }
}
