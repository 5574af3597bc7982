import Foundation

/// Writes GGUF version 3 files: metadata of any value type and tensors in any `Storage` (F32, F16,
/// BF16, Q8_0, Q4_0, Q4_1), each tensor's data aligned to `general.alignment` (32). Streamed to a
/// temporary file renamed into place, so a crash never leaves a half-written model under the real name.
public struct GGUFWriter {
    struct PendingTensor {
        let name: String
        let shape: [Int]        // ggml order: innermost first
        let storage: Storage
        let count: Int
        /// Made when the tensor is written, so a model's tensors are never all held as Float32 at once.
        let values: () -> [Float]
    }

    public private(set) var metadata: [(String, GGUFValue)] = []
    private var tensors: [PendingTensor] = []
    public let alignment = 32

    public init() {}

    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let i = metadata.firstIndex(where: { $0.0 == key }) { metadata[i].1 = value } else { metadata.append((key, value)) }
    }

    /// Adds a matrix given row-major (PyTorch order) `rows × columns` values. It keeps both dimensions
    /// even when one is 1 (a module pruned to one row is still a matrix for llama.cpp); vectors go
    /// through `addVector`. A block storage needs `columns` to be a multiple of its block size (blocks
    /// never straddle rows); the caller chooses another storage for a row that is not.
    public mutating func addTensor(_ name: String, rows: Int, columns: Int, values: [Float], storage: Storage = .f32) {
        precondition(values.count == rows * columns)
        addTensor(name, rows: rows, columns: columns, storage: storage) { values }
    }

    /// The same, with the values made only when the file is written (`make` must give rows × columns).
    public mutating func addTensor(_ name: String, rows: Int, columns: Int, storage: Storage = .f32, make: @escaping () -> [Float]) {
        precondition(columns % storage.blockSize == 0, "\(name): rows of \(columns) values are not whole \(storage.name) blocks")
        tensors.append(PendingTensor(name: name, shape: [columns, rows], storage: storage, count: rows * columns, values: make))
    }

    /// Adds a one-dimensional tensor (a norm's weight, a bias).
    public mutating func addVector(_ name: String, values: [Float], storage: Storage = .f32) {
        precondition(values.count % storage.blockSize == 0, "\(name): \(values.count) values are not whole \(storage.name) blocks")
        tensors.append(PendingTensor(name: name, shape: [values.count], storage: storage, count: values.count, values: { values }))
    }

    public func write(to path: String) throws {
        var out = Data()
        out.append(le: UInt32(0x4655_4747))
        out.append(le: UInt32(3))
        out.append(le: UInt64(tensors.count))
        out.append(le: UInt64(metadata.count + 1))
        out.appendString("general.alignment")
        out.append(le: UInt32(4))
        out.append(le: UInt32(alignment))
        for (key, value) in metadata {
            out.appendString(key)
            out.appendValue(value)
        }
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            offset += align(t.storage.byteCount(t.count))
        }
        for (t, o) in zip(tensors, offsets) {
            out.appendString(t.name)
            out.append(le: UInt32(t.shape.count))
            for d in t.shape { out.append(le: UInt64(d)) }
            out.append(le: UInt32(t.storage.type.rawValue))
            out.append(le: UInt64(o))
        }
        out.append(Data(count: align(out.count) - out.count))
        let header = out
        try AtomicWrite.stream(to: path) { sink in
            try sink(header)
            for t in tensors {
                let values = t.values()
                precondition(values.count == t.count, "\(t.name): made \(values.count) values, expected \(t.count)")
                var chunk = t.storage.bytes(values)
                chunk.append(contentsOf: [UInt8](repeating: 0, count: align(chunk.count) - chunk.count))
                try sink(Data(chunk))
            }
        }
    }

    /// What the tensors added so far hold: values stored, and bytes of tensor data (without padding).
    public var storedValues: Int { tensors.reduce(0) { $0 + $1.count } }
    public var storedBytes: Int { tensors.reduce(0) { $0 + $1.storage.byteCount($1.count) } }

    private func align(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }
}

extension Data {
    mutating func append<T: FixedWidthInteger>(le value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    mutating func appendString(_ s: String) {
        let bytes = Array(s.utf8)
        append(le: UInt64(bytes.count))
        append(contentsOf: bytes)
    }

    mutating func appendValue(_ value: GGUFValue) {
        append(le: Self.typeID(value))
        appendPayload(value)
    }

    static func typeID(_ value: GGUFValue) -> UInt32 {
        switch value {
        case .uint8: 0
        case .int8: 1
        case .uint16: 2
        case .int16: 3
        case .uint32: 4
        case .int32: 5
        case .float32: 6
        case .bool: 7
        case .string: 8
        case .array: 9
        case .uint64: 10
        case .int64: 11
        case .float64: 12
        }
    }

    mutating func appendPayload(_ value: GGUFValue) {
        switch value {
        case .uint8(let v): append(le: v)
        case .int8(let v): append(le: v)
        case .uint16(let v): append(le: v)
        case .int16(let v): append(le: v)
        case .uint32(let v): append(le: v)
        case .int32(let v): append(le: v)
        case .uint64(let v): append(le: v)
        case .int64(let v): append(le: v)
        case .float32(let v): append(le: v.bitPattern)
        case .float64(let v): append(le: v.bitPattern)
        case .bool(let v): append(le: UInt8(v ? 1 : 0))
        case .string(let s): appendString(s)
        case .array(let items):
            // A GGUF array has one element type; a mixed one would be written as garbage.
            precondition(Set(items.map(Self.typeID)).count <= 1, "GGUF arrays hold values of one type")
            append(le: items.first.map(Self.typeID) ?? 4)
            append(le: UInt64(items.count))
            for item in items { appendPayload(item) }
        }
    }
}
