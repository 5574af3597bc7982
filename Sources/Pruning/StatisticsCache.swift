import Foundation
import Llama
import ModelIO

/// Calibration statistics on disk, keyed by exactly what they depend on, so a sweep calibrates once:
/// the model file's content, the calibration tokens themselves (which covers the data file, sampler
/// settings and tokenizer), the modules measured, and the version of the numerics that computed them.
public struct StatisticsCache: Sendable {
    /// Bump when the forward pass or the statistics change in a way that changes their values.
    public static let numericsVersion = "statistics-1"

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

    struct Entry: Codable {
        let key: Key
        let statistics: CalibrationStatistics
    }

    public let folder: URL

    public init(folder: URL) { self.folder = folder }

    /// `$PRUNE_CACHE_DIR`, else `$XDG_CACHE_HOME/prune`, else `~/.cache/prune`.
    public static var defaultFolder: URL {
        let env = ProcessInfo.processInfo.environment
        if let p = env["PRUNE_CACHE_DIR"], !p.isEmpty { return URL(fileURLWithPath: p) }
        if let p = env["XDG_CACHE_HOME"], !p.isEmpty { return URL(fileURLWithPath: p).appendingPathComponent("prune") }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/prune")
    }

    func url(_ key: Key) -> URL { folder.appendingPathComponent("statistics").appendingPathComponent(key.digest + ".json") }

    /// The stored statistics for `key`, or nil. A damaged entry counts as absent.
    public func load(_ key: Key) -> CalibrationStatistics? {
        guard let data = try? Data(contentsOf: url(key)), let entry = try? JSONDecoder().decode(Entry.self, from: data),
              entry.key == key else { return nil }
        return entry.statistics
    }

    /// Stores atomically (a temporary file renamed into place), so a crash never leaves half an entry.
    public func store(_ statistics: CalibrationStatistics, for key: Key) throws {
        try AtomicWrite.write(JSONEncoder().encode(Entry(key: key, statistics: statistics)), to: url(key).path)
    }
}
