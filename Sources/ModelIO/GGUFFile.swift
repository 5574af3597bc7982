/// A GGUF file (versions 2 and 3), memory-mapped: the header and metadata are parsed on open, tensor data
/// stays in the map until asked for.
///
/// Layout (ggml's `docs/gguf.md`): magic "GGUF", version, tensor count, metadata count, the metadata
/// key/value pairs, the tensor infos, then padding to `general.alignment` and the tensor data.
public final class GGUFFile: @unchecked Sendable {
    public struct TensorInfo: Sendable {
        public let name: String
        /// Dimensions as ggml lists them: `shape[0]` is the innermost (contiguous) one.
        public let shape: [Int]
        public let type: GGMLType
        /// Byte range of the data inside the file.
        public let range: Range<Int>

        public var elementCount: Int { shape.reduce(1, *) }
        /// Rows × columns in row-major (PyTorch) order: [out, in] for a linear weight.
        public var rows: Int { shape.count > 1 ? shape[1...].reduce(1, *) : 1 }
        public var columns: Int { shape.first ?? 1 }
    }

    public let path: String
    public let version: Int
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order (for printing).
    public let metadataKeys: [String]
    public let tensors: [TensorInfo]
    public let alignment: Int
    public let file: MappedFile
    private let index: [String: Int]

    public init(path: String) throws {
        file = try MappedFile(path: path)
        self.path = path
        var reader = GGUFReader(bytes: file.all, path: path)
        guard file.count >= 4 else { throw ModelIOError(path, "not a GGUF file: only \(file.count) bytes") }
        let magic = try reader.scalar(UInt32.self, "magic")
        guard magic == 0x4655_4747 else {
            let shown = withUnsafeBytes(of: magic.littleEndian) { raw in
                raw.map { (32..<127).contains($0) ? String(UnicodeScalar($0)) : "\\x" + String(UInt16($0) | 0x100, radix: 16).dropFirst() }.joined()
            }
            throw ModelIOError(path, "not a GGUF file: bad magic \"\(shown)\" (expected \"GGUF\")")
        }
        let version = try reader.scalar(UInt32.self, "version")
        guard version == 2 || version == 3 else {
            if version.byteSwapped == 2 || version.byteSwapped == 3 {
                throw ModelIOError(path, "unsupported GGUF version \(version) (this tool reads versions 2 and 3 of little-endian files; this one looks big-endian)")
            }
            throw ModelIOError(path, "unsupported GGUF version \(version) (this tool reads versions 2 and 3)")
        }
        self.version = Int(version)
        let tensorCount = try reader.scalar(UInt64.self, "tensor count")
        let metadataCount = try reader.scalar(UInt64.self, "metadata count")
        guard tensorCount < 1 << 24, metadataCount < 1 << 24 else {
            throw ModelIOError(path, "corrupt header: \(tensorCount) tensors, \(metadataCount) metadata entries")
        }

        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        for i in 0..<Int(metadataCount) {
            let key = try reader.string("metadata key #\(i)")
            let type = try reader.scalar(UInt32.self, "type of metadata \(key)")
            metadata[key] = try reader.value(type: type, "metadata \(key)")
            keys.append(key)
        }
        self.metadata = metadata
        metadataKeys = keys

        let alignment = metadata["general.alignment"]?.int ?? 32
        guard alignment > 0, alignment & (alignment - 1) == 0 else {
            throw ModelIOError(path, "general.alignment is \(alignment); it must be a power of two")
        }
        self.alignment = alignment

        var raw: [(name: String, shape: [Int], type: UInt32, offset: UInt64)] = []
        for i in 0..<Int(tensorCount) {
            let name = try reader.string("name of tensor #\(i)")
            let dims = try reader.scalar(UInt32.self, "dimension count of \(name)")
            guard dims >= 1, dims <= 4 else { throw ModelIOError(path, "tensor \(name) has \(dims) dimensions") }
            var shape: [Int] = []
            for _ in 0..<dims {
                let d = try reader.scalar(UInt64.self, "shape of \(name)")
                guard d > 0, d < 1 << 40 else { throw ModelIOError(path, "tensor \(name) has dimension \(d)") }
                shape.append(Int(d))
            }
            // Each dimension is below 2^40, but together they can overflow the element and byte counts.
            var elements = 1
            for d in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow, product <= 1 << 56 else { throw ModelIOError(path, "tensor \(name) has shape \(shape), too many elements") }
                elements = product
            }
            let type = try reader.scalar(UInt32.self, "type of \(name)")
            let offset = try reader.scalar(UInt64.self, "offset of \(name)")
            raw.append((name, shape, type, offset))
        }
        let dataStart = (reader.offset + alignment - 1) / alignment * alignment

        var tensors: [TensorInfo] = []
        var index: [String: Int] = [:]
        for t in raw {
            guard let type = GGMLType(rawValue: t.type) else {
                throw ModelIOError(path, "tensor \(t.name) has unknown tensor type \(t.type)")
            }
            let elements = t.shape.reduce(1, *)
            guard let size = type.byteCount(elements: elements) else {
                if type.blockLayout == nil {
                    throw ModelIOError(path, "tensor \(t.name) has tensor type \(type.name), which this tool cannot read")
                }
                throw ModelIOError(path, "tensor \(t.name): \(elements) elements is not a whole number of \(type.name) blocks")
            }
            guard t.offset < UInt64(file.count) else {
                throw ModelIOError(path, "truncated file: tensor \(t.name) starts past the end of the file")
            }
            let start = dataStart + Int(t.offset)
            guard start + size <= file.count else {
                throw ModelIOError(path, "truncated file: tensor \(t.name) needs bytes \(start)..<\(start + size) but the file has \(file.count)")
            }
            index[t.name] = tensors.count
            tensors.append(TensorInfo(name: t.name, shape: t.shape, type: type, range: start..<start + size))
        }
        self.tensors = tensors
        self.index = index
    }

    public subscript(tensor name: String) -> TensorInfo? { index[name].map { tensors[$0] } }

    /// The raw (possibly quantized) bytes of a tensor, straight from the map.
    public func data(of tensor: TensorInfo) -> UnsafeRawBufferPointer { file.bytes(tensor.range) }

    /// The tensor as Float32 values in row-major order.
    public func floats(_ tensor: TensorInfo) throws -> [Float] {
        var out = [Float](repeating: 0, count: tensor.elementCount)
        try out.withUnsafeMutableBufferPointer { dst in
            try Dequantize.run(tensor.type, from: data(of: tensor), into: dst)
        }
        return out
    }

    public var architecture: String? { metadata["general.architecture"]?.string }
}
