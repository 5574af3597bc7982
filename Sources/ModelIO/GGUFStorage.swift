import Foundation

extension GGUFWriter {
    /// How a GGUF tensor's values are stored: a ggml type and the function that encodes values into it.
    /// Block types (q8_0, q4_0, q4_1) encode 32 values at a time, so a row's length must be a multiple
    /// of `blockSize`; `ModelExport` chooses a fallback for rows that are not.
    public struct Storage: Sendable, Equatable, CustomStringConvertible {
        /// The name the CLI and scripts use: `f32`, `q8_0`, ...
        public let name: String
        public let type: GGMLType
        /// llama.cpp's `general.file_type` (`llama_ftype`) for a file whose matrices are of this type.
        public let fileType: UInt32
        /// Appends the encoding of `values` (a whole number of blocks) to `out`.
        let encode: @Sendable (UnsafeBufferPointer<Float>, inout [UInt8]) -> Void

        public init(name: String, type: GGMLType, fileType: UInt32, encode: @escaping @Sendable (UnsafeBufferPointer<Float>, inout [UInt8]) -> Void) {
            precondition(type.blockLayout != nil, "a storage type needs a block layout")
            self.name = name
            self.type = type
            self.fileType = fileType
            self.encode = encode
        }

        /// Every storage a model can be saved in: one line per type, each defined in its own file.
        public static let all: [Storage] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1]

        public static func named(_ name: String) -> Storage? { all.first { $0.name == name } }

        /// Values per block; a stored row's length must be a multiple of it.
        public var blockSize: Int { type.blockLayout!.elements }

        /// Whether the type stores blocks with a shared scale (lossy beyond rounding to a float format).
        public var isBlockQuantized: Bool { blockSize > 1 }

        /// Bytes `elements` values take (a whole number of blocks).
        public func byteCount(_ elements: Int) -> Int { type.byteCount(elements: elements)! }

        /// The bytes of `values`, which must be a whole number of blocks.
        public func bytes(_ values: [Float]) -> [UInt8] {
            precondition(values.count % blockSize == 0, "\(name) stores whole blocks of \(blockSize) values")
            var out: [UInt8] = []
            out.reserveCapacity(byteCount(values.count))
            values.withUnsafeBufferPointer { encode($0, &out) }
            return out
        }

        public var description: String { name }

        public static func == (a: Storage, b: Storage) -> Bool { a.name == b.name }
    }
}

extension Array where Element == UInt8 {
    /// Appends a float16 (rounded to nearest even, as numpy's astype and ggml's GGML_FP32_TO_FP16 do).
    mutating func appendHalf(_ v: Float) {
        let bits = Float16(v).bitPattern
        append(UInt8(truncatingIfNeeded: bits))
        append(UInt8(truncatingIfNeeded: bits >> 8))
    }
}
