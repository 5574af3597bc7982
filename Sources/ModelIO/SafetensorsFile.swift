import Foundation

/// One `.safetensors` file, memory-mapped: an 8-byte little-endian header length, a JSON header naming
/// each tensor's dtype, shape and byte range, then the raw data. Opening parses the header and checks
/// every range; tensor bytes stay in the map until asked for.
public final class SafetensorsFile: @unchecked Sendable {
    /// Storage types this tool converts to Float32; others are named in the error.
    public enum DType: String, Sendable {
        case f32 = "F32", f16 = "F16", bf16 = "BF16"

        public var byteWidth: Int { self == .f32 ? 4 : 2 }
    }

    public struct TensorInfo: Sendable {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        /// Byte range inside the file (header included in the offset).
        public let range: Range<Int>

        public var elementCount: Int { shape.reduce(1, *) }
        /// Row-major [out, in] for a linear weight; a vector is one row.
        public var rows: Int { shape.count > 1 ? shape.dropLast().reduce(1, *) : 1 }
        public var columns: Int { shape.last ?? 1 }
    }

    public let path: String
    public let file: MappedFile
    /// Tensors in data order.
    public let tensors: [TensorInfo]
    /// The header's `__metadata__` strings (transformers writes `format: pt`).
    public let metadata: [String: String]
    private let index: [String: Int]

    public init(path: String) throws {
        file = try MappedFile(path: path)
        self.path = path
        let bytes = file.all
        guard file.count >= 8 else { throw ModelIOError(path, "not a safetensors file: only \(file.count) bytes") }
        let headerLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard headerLength >= 2, headerLength <= UInt64(file.count - 8), headerLength < 1 << 30 else {
            throw ModelIOError(path, "corrupt safetensors header: it claims \(headerLength) bytes but the file has \(file.count)")
        }
        let dataStart = 8 + Int(headerLength)
        let header = Data(bytes[8..<dataStart])
        guard let root = (try? JSONSerialization.jsonObject(with: header)) as? [String: Any] else {
            throw ModelIOError(path, "corrupt safetensors header: not a JSON object")
        }
        var metadata: [String: String] = [:]
        var found: [TensorInfo] = []
        for (name, value) in root {
            if name == "__metadata__" {
                for (k, v) in value as? [String: Any] ?? [:] { metadata[k] = v as? String }
                continue
            }
            guard let entry = value as? [String: Any], let dtypeName = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw ModelIOError(path, "corrupt safetensors header: tensor \(name) lacks dtype, shape or data_offsets")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw ModelIOError(path, "tensor \(name) is stored as \(dtypeName); this tool reads F32, F16 and BF16")
            }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw ModelIOError(path, "corrupt safetensors header: tensor \(name) has shape \(shape) and offsets \(offsets)")
            }
            // Element and byte counts are multiplied with overflow reported: a corrupt shape is refused.
            let (elements, overflow) = shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            let (bytes, bytesOverflow) = elements.multipliedReportingOverflow(by: dtype.byteWidth)
            guard !overflow, !bytesOverflow, offsets[1] - offsets[0] == bytes else {
                throw ModelIOError(path, "corrupt safetensors header: tensor \(name) of shape \(shape) (\(dtypeName)) spans \(offsets[1] - offsets[0]) bytes")
            }
            guard offsets[1] <= file.count - dataStart else {
                throw ModelIOError(path, "tensor \(name) ends at byte \(offsets[1]) of the data but the file has only \(file.count - dataStart) bytes of data (truncated?)")
            }
            found.append(TensorInfo(name: name, dtype: dtype, shape: shape, range: (dataStart + offsets[0])..<(dataStart + offsets[1])))
        }
        found.sort { $0.range.lowerBound < $1.range.lowerBound || ($0.range.lowerBound == $1.range.lowerBound && $0.name < $1.name) }
        for (a, b) in zip(found, found.dropFirst()) where a.range.upperBound > b.range.lowerBound && !a.range.isEmpty && !b.range.isEmpty {
            throw ModelIOError(path, "corrupt safetensors header: tensors \(a.name) and \(b.name) overlap")
        }
        tensors = found
        self.metadata = metadata
        index = Dictionary(found.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public subscript(tensor name: String) -> TensorInfo? { index[name].map { tensors[$0] } }

    /// Converts one tensor to Float32 into `dst` (exactly `elementCount` values).
    public func read(_ info: TensorInfo, into dst: UnsafeMutableBufferPointer<Float>) {
        precondition(dst.count == info.elementCount)
        let src = file.bytes(info.range)
        guard let s = src.baseAddress, let d = dst.baseAddress else { return }
        // &*: i < elementCount, so the byte offset stays inside the range checked on open.
        switch info.dtype {
        case .f32:
            for i in 0..<dst.count { d[i] = Float(bitPattern: UInt32(littleEndian: s.loadUnaligned(fromByteOffset: 4 &* i, as: UInt32.self))) }
        case .f16:
            for i in 0..<dst.count { d[i] = Float(Float16(bitPattern: UInt16(littleEndian: s.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)))) }
        case .bf16:
            for i in 0..<dst.count { d[i] = Float(bitPattern: UInt32(UInt16(littleEndian: s.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self))) << 16) }
        }
    }

    public func floats(_ info: TensorInfo) -> [Float] {
        [Float](unsafeUninitializedCapacity: info.elementCount) { buffer, count in
            read(info, into: buffer)
            count = info.elementCount
        }
    }
}
