import Foundation
import Llama
import ModelIO

/// Calibration statistics on disk, keyed by exactly what they depend on, so a sweep calibrates once:
/// the model's content, the calibration tokens themselves (which covers the data file, sampler settings
/// and tokenizer), the modules measured, and the version of the numerics that computed them.
///
/// An entry proves its content: a header line (its key, every module's shape, the SHA-256 and length of
/// the payload) and the payload (the statistics as JSON). An entry whose key, checksum or shapes do not
/// match is discarded with a warning naming the file, and the statistics are computed again.
public struct StatisticsCache: Sendable {
    /// Bump when the forward pass or the statistics change in a way that changes their values.
    public static let numericsVersion = "statistics-2"
    static let format = "prune-statistics-2"

    public struct Key: Codable, Hashable, Sendable {
        public let modelSHA256: String
        public let tokensSHA256: String
        public let modules: [String]
        public let numerics: String

        public init(modelSHA256: String, tokensSHA256: String, modules: [String], numerics: String = StatisticsCache.numericsVersion) {
            self.modelSHA256 = modelSHA256
            self.tokensSHA256 = tokensSHA256
            self.modules = modules.sorted()
            self.numerics = numerics
        }

        enum CodingKeys: String, CodingKey {
            case modelSHA256 = "model_sha256", tokensSHA256 = "tokens_sha256", modules, numerics
        }

        /// The digest of this key's canonical JSON: the file name of the entry.
        public var digest: String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return ContentHash.data(try! encoder.encode(self))
        }
    }

    /// Input and output channels of one module: what its statistics vectors must hold.
    public struct Shape: Codable, Hashable, Sendable {
        public let inputs: Int
        public let outputs: Int
        public init(inputs: Int, outputs: Int) {
            self.inputs = inputs
            self.outputs = outputs
        }
    }

    struct Header: Codable {
        let format: String
        let key: Key
        let shapes: [String: Shape]
        let payloadSHA256: String
        let payloadBytes: Int
        /// FFN widths of the blocks whose neuron statistics the entry holds, by block name.
        var neurons: [String: Int]? = nil

        enum CodingKeys: String, CodingKey {
            case format, key, shapes, payloadSHA256 = "payload_sha256", payloadBytes = "payload_bytes", neurons
        }
    }

    public let folder: URL
    private let state = WriteState()

    public init(folder: URL) { self.folder = folder }

    /// `$PRUNE_CACHE_DIR`, else `$XDG_CACHE_HOME/prune`, else `~/.cache/prune`.
    public static var defaultFolder: URL {
        let env = ProcessInfo.processInfo.environment
        if let p = env["PRUNE_CACHE_DIR"], !p.isEmpty { return URL(fileURLWithPath: p) }
        if let p = env["XDG_CACHE_HOME"], !p.isEmpty { return URL(fileURLWithPath: p).appendingPathComponent("prune") }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/prune")
    }

    public func url(_ key: Key) -> URL { folder.appendingPathComponent("statistics").appendingPathComponent(key.digest + ".stats") }

    /// The stored statistics for `key`, whose modules must have `shapes`; nil when there is no entry.
    /// A damaged entry is removed, with a warning, and counts as absent.
    public func load(_ key: Key, shapes: [String: Shape], neurons: [String: Int] = [:]) -> CalibrationStatistics? {
        let file = url(key)
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        do {
            return try Self.verified(Data(contentsOf: file), key: key, shapes: shapes, neurons: neurons)
        } catch {
            let reason = (error as? PruningError)?.description ?? FileSystemReason.of(error)
            Warnings.emit("\(file.path): damaged statistics cache entry (\(reason)); discarded, computing the statistics again")
            try? FileManager.default.removeItem(at: file)
            return nil
        }
    }

    static func verified(_ data: Data, key: Key, shapes: [String: Shape], neurons: [String: Int] = [:]) throws -> CalibrationStatistics {
        guard let newline = data.firstIndex(of: UInt8(ascii: "\n")),
              let header = try? JSONDecoder().decode(Header.self, from: data[data.startIndex..<newline]) else {
            throw PruningError("no readable header")
        }
        guard header.format == format else { throw PruningError("format \(header.format), expected \(format)") }
        guard header.key == key else { throw PruningError("its key is not the one its name says") }
        let payload = data[(newline + 1)...]
        guard payload.count == header.payloadBytes else {
            throw PruningError("payload of \(payload.count) bytes, the header says \(header.payloadBytes)")
        }
        guard ContentHash.data(Data(payload)) == header.payloadSHA256 else { throw PruningError("payload checksum mismatch") }
        guard header.shapes == shapes else { throw PruningError("its module shapes are not the model's") }
        guard (header.neurons ?? [:]) == neurons else { throw PruningError("its neuron widths are not the model's") }
        let statistics: CalibrationStatistics
        do { statistics = try JSONDecoder().decode(CalibrationStatistics.self, from: Data(payload)) } catch {
            throw PruningError("payload is not statistics JSON")
        }
        try check(statistics, shapes: shapes, neurons: neurons)
        return statistics
    }

    /// Every module present with vectors of its shape, every value finite and non-negative (they are norms).
    static func check(_ s: CalibrationStatistics, shapes: [String: Shape], neurons: [String: Int] = [:]) throws {
        guard Set((s.neurons ?? [:]).keys) == Set(neurons.keys) else { throw PruningError("its neuron statistics are not of the blocks asked for") }
        for (block, width) in neurons {
            let n = s.neurons![block]!
            guard n.norm.count == width, n.mean.count == width, n.variance.count == width else {
                throw PruningError("\(block) has neuron statistics of the wrong width, expected \(width)")
            }
            guard (n.norm + n.variance).allSatisfy({ $0.isFinite && $0 >= 0 }), n.mean.allSatisfy(\.isFinite) else {
                throw PruningError("\(block) holds negative or non-finite neuron statistics")
            }
        }
        guard Set(s.modules.keys) == Set(shapes.keys) else {
            let missing = Set(shapes.keys).subtracting(s.modules.keys).sorted()
            throw PruningError(missing.isEmpty ? "it holds modules not asked for" : "module \(missing[0]) is missing")
        }
        for (name, shape) in shapes {
            let c = s.modules[name]!
            guard c.input.count == shape.inputs, c.output.count == shape.outputs else {
                throw PruningError("\(name) has \(c.input.count) inputs and \(c.output.count) outputs, expected \(shape.inputs) and \(shape.outputs)")
            }
            guard c.input.allSatisfy({ $0.isFinite && $0 >= 0 }), c.output.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw PruningError("\(name) holds negative or non-finite norms")
            }
        }
    }

    /// Stores atomically (a temporary file renamed into place), so a crash never leaves half an entry.
    /// A cache that cannot be written costs only a recalibration later: the first failure says so once
    /// and later ones are silent.
    public func store(_ statistics: CalibrationStatistics, for key: Key, shapes: [String: Shape], neurons: [String: Int] = [:]) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let payload = try encoder.encode(statistics)
            let header = Header(format: Self.format, key: key, shapes: shapes, payloadSHA256: ContentHash.data(payload), payloadBytes: payload.count,
                                neurons: neurons.isEmpty ? nil : neurons)
            var data = try encoder.encode(header)
            data.append(UInt8(ascii: "\n"))
            data.append(payload)
            try AtomicWrite.write(data, to: url(key).path)
        } catch {
            if state.firstFailure() {
                Warnings.emit("\(folder.path): cannot write the statistics cache (\(FileSystemReason.of(error))); carrying on without caching")
            }
        }
    }

    /// Whether a write has failed before, shared by copies of this cache.
    private final class WriteState: @unchecked Sendable {
        private let lock = NSLock()
        private var failed = false
        func firstFailure() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            defer { failed = true }
            return !failed
        }
    }
}
