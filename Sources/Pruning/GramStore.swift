import Foundation
import ModelIO
import Tensor

/// Where each block's Gram matrix G = HᵀH of its FFN activations lives between the calibration pass
/// and the solves: one block at a time is ever in memory when the store is on disk (the statistics
/// cache), so SmolLM2's 30 × 1536² Float64 (566 MB) never are at once. Without a cache they stay in
/// memory.
public final class GramStore: @unchecked Sendable {
    private let cache: StatisticsCache?
    private let key: StatisticsCache.Key
    private var memory: [Int: [Double]] = [:]
    private let lock = NSLock()
    /// Cache writes (hashing, writing, fsync) run beside the calibration of the next block; at most
    /// one is in flight, so at most one Gram beyond the block being accumulated is held.
    private let writer = DispatchQueue(label: "prune.gram-store")
    private let writing = DispatchGroup()

    init(cache: StatisticsCache?, key: StatisticsCache.Key) {
        self.cache = cache
        self.key = key
    }

    /// Keeps block `layer`'s Gram ([width, width], symmetric, Float64).
    func put(_ layer: Int, _ gram: [Double], width: Int) {
        writing.wait()
        guard let cache else { return hold(layer, gram) }
        writer.async(group: writing) { [self] in
            if !cache.storeGram(gram, layer: layer, width: width, key: key) { hold(layer, gram) }
        }
    }

    /// Waits for the write in flight, so every block put so far is readable.
    func flush() { writing.wait() }

    private func hold(_ layer: Int, _ gram: [Double]) {
        lock.lock()
        memory[layer] = gram
        lock.unlock()
    }

    /// Block `layer`'s Gram, or nil when it was never stored (or its cache entry is damaged).
    public func gram(_ layer: Int, width: Int) -> [Double]? {
        flush()
        lock.lock()
        let held = memory[layer]
        lock.unlock()
        if let held { return held.count == width * width ? held : nil }
        return cache?.loadGram(layer: layer, width: width, key: key)
    }

    /// Whether every listed block's Gram is there (the cache holds them all from an earlier run).
    func hasAll(_ widths: [Int: Int]) -> Bool {
        flush()
        return widths.allSatisfy { l, w in
            lock.lock()
            let held = memory[l] != nil
            lock.unlock()
            return held || (cache?.hasGram(layer: l, width: w, key: key) ?? false)
        }
    }
}

/// Gram matrices in the statistics cache: one file per block, next to the statistics of the same key,
/// holding the lower triangle in Float64 (little-endian) after a JSON header line with its key digest,
/// block, width and the payload's SHA-256, verified on every read like the statistics.
extension StatisticsCache {
    static let gramFormat = "prune-gram-1"

    struct GramHeader: Codable, Equatable {
        let format: String
        let key: String
        let layer: Int
        let width: Int
        let payloadSHA256: String
        let payloadBytes: Int

        enum CodingKeys: String, CodingKey {
            case format, key, layer, width, payloadSHA256 = "payload_sha256", payloadBytes = "payload_bytes"
        }
    }

    func gramURL(_ key: Key, layer: Int) -> URL {
        folder.appendingPathComponent("statistics").appendingPathComponent("\(key.digest).gram\(layer)")
    }

    func hasGram(layer: Int, width: Int, key: Key) -> Bool {
        FileManager.default.fileExists(atPath: gramURL(key, layer: layer).path)
    }

    /// Writes atomically; false when the cache cannot be written (the caller then keeps it in memory).
    func storeGram(_ gram: [Double], layer: Int, width: Int, key: Key) -> Bool {
        var payload = Data(count: width * (width + 1) / 2 * 8)
        // The lower triangle row by row, as little-endian Float64 (this machine's order; swapped otherwise).
        payload.withUnsafeMutableBytes { raw in
            gram.withUnsafeBufferPointer { g in
                var offset = 0
                for i in 0..<width {
                    let row = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(g)[(i * width * 8)..<((i * width + i + 1) * 8)])
                    UnsafeMutableRawBufferPointer(rebasing: raw[offset..<(offset + row.count)]).copyMemory(from: row)
                    offset += row.count
                }
            }
            #if _endian(big)
            for o in stride(from: 0, to: raw.count, by: 8) {
                raw.storeBytes(of: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self).byteSwapped, toByteOffset: o, as: UInt64.self)
            }
            #endif
        }
        do {
            let header = GramHeader(format: Self.gramFormat, key: key.digest, layer: layer, width: width,
                                    payloadSHA256: ContentHash.data(payload), payloadBytes: payload.count)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var data = try encoder.encode(header)
            data.append(UInt8(ascii: "\n"))
            data.append(payload)
            try AtomicWrite.write(data, to: gramURL(key, layer: layer).path)
            return true
        } catch {
            return false
        }
    }

    /// The stored Gram of block `layer`, complete and symmetric; a damaged entry is removed with a warning.
    func loadGram(layer: Int, width: Int, key: Key) -> [Double]? {
        let file = gramURL(key, layer: layer)
        guard let data = try? Data(contentsOf: file) else { return nil }
        do {
            guard let newline = data.firstIndex(of: UInt8(ascii: "\n")),
                  let header = try? JSONDecoder().decode(GramHeader.self, from: data[data.startIndex..<newline]) else {
                throw PruningError("no readable header")
            }
            guard header.format == Self.gramFormat else { throw PruningError("format \(header.format), expected \(Self.gramFormat)") }
            guard header.key == key.digest, header.layer == layer, header.width == width else {
                throw PruningError("its key, block or width is not the one asked for")
            }
            let payload = Data(data[(newline + 1)...])
            guard payload.count == header.payloadBytes, payload.count == width * (width + 1) / 2 * 8 else {
                throw PruningError("payload of \(payload.count) bytes does not fit width \(width)")
            }
            guard ContentHash.data(payload) == header.payloadSHA256 else { throw PruningError("payload checksum mismatch") }
            var gram = [Double](repeating: 0, count: width * width)
            payload.withUnsafeBytes { raw in
                gram.withUnsafeMutableBufferPointer { g in
                    let out = UnsafeMutableRawBufferPointer(g)
                    var offset = 0
                    for i in 0..<width {
                        let bytes = (i + 1) * 8
                        UnsafeMutableRawBufferPointer(rebasing: out[(i * width * 8)..<(i * width * 8 + bytes)])
                            .copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + bytes)]))
                        offset += bytes
                    }
                    #if _endian(big)
                    for i in 0..<(width * width) { g[i] = Double(bitPattern: g[i].bitPattern.byteSwapped) }
                    #endif
                    SymmetricMatrix.mirrorLower(g.baseAddress!, n: width)
                }
            }
            guard gram.allSatisfy(\.isFinite) else { throw PruningError("it holds non-finite values") }
            return gram
        } catch {
            let reason = (error as? PruningError)?.description ?? FileSystemReason.of(error)
            Warnings.emit("\(file.path): damaged Gram cache entry (\(reason)); discarded, calibrating again")
            try? FileManager.default.removeItem(at: file)
            return nil
        }
    }
}
