import Foundation

/// Writes `.safetensors` files (F32, F16, BF16): the JSON header padded with spaces to a multiple of 8
/// bytes, so every tensor's data starts 8-byte aligned, then the tensors in the order added. Large
/// checkpoints can be split into shards with a `model.safetensors.index.json`, as transformers does.
public struct SafetensorsWriter {
    public typealias DType = SafetensorsFile.DType

    struct Pending {
        let name: String
        let shape: [Int]
        let dtype: DType
        let count: Int
        /// Made when the tensor is written, so a model's tensors are never all held as Float32 at once.
        let values: () -> [Float]
        var bytes: Int { count * dtype.byteWidth }
    }

    private var tensors: [Pending] = []
    public var metadata: [String: String] = ["format": "pt"]

    public init() {}

    public mutating func add(_ name: String, shape: [Int], values: [Float], dtype: DType) {
        precondition(shape.reduce(1, *) == values.count, "safetensors: \(name) has \(values.count) values for shape \(shape)")
        add(name, shape: shape, dtype: dtype) { values }
    }

    /// The same, with the values made only when the file is written (`make` must fill the shape).
    public mutating func add(_ name: String, shape: [Int], dtype: DType, make: @escaping () -> [Float]) {
        tensors.append(Pending(name: name, shape: shape, dtype: dtype, count: shape.reduce(1, *), values: make))
    }

    /// Writes `folder/model.safetensors`, or, when the tensors exceed `maxShardBytes`, shards
    /// `model-0000i-of-0000n.safetensors` plus `model.safetensors.index.json`. Returns the file names.
    @discardableResult
    public func write(folder: String, maxShardBytes: Int = Int.max) throws -> [String] {
        var shards: [[Pending]] = [[]]
        var size = 0
        for t in tensors {
            if size > 0 && size + t.bytes > maxShardBytes {
                shards.append([])
                size = 0
            }
            shards[shards.count - 1].append(t)
            size += t.bytes
        }
        let url = URL(fileURLWithPath: folder)
        if shards.count == 1 {
            try Self.writeFile(shards[0], metadata: metadata, to: url.appendingPathComponent("model.safetensors").path)
            return ["model.safetensors"]
        }
        let names = shards.indices.map { String(format: "model-%05d-of-%05d.safetensors", $0 + 1, shards.count) }
        var weightMap: [String: String] = [:]
        for (shard, name) in zip(shards, names) {
            try Self.writeFile(shard, metadata: metadata, to: url.appendingPathComponent(name).path)
            for t in shard { weightMap[t.name] = name }
        }
        let index: [String: Any] = ["metadata": ["total_size": tensors.reduce(0) { $0 + $1.bytes }], "weight_map": weightMap]
        try AtomicWrite.write(JSONSerialization.data(withJSONObject: index, options: [.prettyPrinted, .sortedKeys]),
                              to: url.appendingPathComponent("model.safetensors.index.json").path)
        return names + ["model.safetensors.index.json"]
    }

    /// One file: header, then data; streamed through a temporary file renamed into place.
    static func writeFile(_ tensors: [Pending], metadata: [String: String], to path: String) throws {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for t in tensors {
            header[t.name] = ["dtype": t.dtype.rawValue, "shape": t.shape, "data_offsets": [offset, offset + t.bytes]] as [String: Any]
            offset += t.bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var head = Data()
        head.append(le: UInt64(json.count))
        head.append(json)
        try AtomicWrite.stream(to: path) { sink in
            try sink(head)
            for t in tensors {
                let values = t.values()
                precondition(values.count == t.count, "safetensors: \(t.name) made \(values.count) values, expected \(t.count)")
                try sink(littleEndianBytes(values, t.dtype))
            }
        }
    }

    /// Float32 → bfloat16 with round-to-nearest-even, as PyTorch converts (NaN stays NaN).
    static func bfloat16Bits(_ v: Float) -> UInt16 {
        let bits = v.bitPattern
        if v.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(rounded >> 16)
    }
}

/// Float32 values stored as `dtype`, little-endian, in one buffer (whole arrays at once: per-value
/// appends made writing a 540 MB model take seconds).
func littleEndianBytes(_ values: [Float], _ dtype: SafetensorsFile.DType) -> Data {
    switch dtype {
    case .f32:
        return values.withUnsafeBytes { Data($0) }   // this tool runs on little-endian machines only
    case .f16:
        return values.map { Float16($0).bitPattern }.withUnsafeBytes { Data($0) }
    case .bf16:
        return values.map { SafetensorsWriter.bfloat16Bits($0) }.withUnsafeBytes { Data($0) }
    }
}
