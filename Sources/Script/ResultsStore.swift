import Foundation
import ModelIO

/// What one finished cell measured.
public struct CellMetrics: Codable, Sendable {
    public var ppl: Double?
    public var meanNLL: Double?
    public var windows: Int?
    public var predictedTokens: Int?
    public var paramsTotal: Int
    public var paramsNonzero: Int
    public var paramsStored: Int
    public var keptRows: [String: Int]
    public var ffnWidths: [Int]
    public var evaluationSeconds: Double?
    public var tokensPerSecond: Double?
    public var saved: String?
    /// Wall time of each stage this cell ran (shared stages count for the cell that computed them).
    public var stageSeconds: [String: Double]? = nil

    enum CodingKeys: String, CodingKey {
        case ppl, meanNLL = "mean_nll", windows, predictedTokens = "predicted_tokens", paramsTotal = "params_total"
        case paramsNonzero = "params_nonzero", paramsStored = "params_stored", keptRows = "kept_rows", ffnWidths = "ffn_widths"
        case evaluationSeconds = "evaluation_seconds", tokensPerSecond = "tokens_per_second", saved, stageSeconds = "stage_seconds"
    }
}

public struct ResultRecord: Codable, Sendable {
    public var key: String
    public var cell: Cell
    public var inputs: CellInputs
    public var metrics: CellMetrics
    public var finishedAt: String
    public var tool: String

    enum CodingKeys: String, CodingKey { case key, cell, inputs, metrics, finishedAt = "finished_at", tool }
}

/// Finished cells of an output folder: `results*.jsonl` files, one JSON record per line, appended and
/// fsync'd one record at a time. A process killed mid-write leaves at most a torn last line, which
/// loading skips and the next append cuts off; nothing before it is ever rewritten.
public final class ResultsStore: @unchecked Sendable {
    public let folder: URL
    public let file: URL
    /// Every record in the folder's result files (this store's own file and any shard files beside it).
    public private(set) var records: [String: ResultRecord] = [:]
    /// Keys in the order they were first recorded.
    public private(set) var order: [String] = []
    /// Keys held in this store's own file.
    private var own: Set<String> = []

    /// `shard` (i, n) writes to its own file so that shards never share one.
    public init(folder: URL, shard: (Int, Int)? = nil) throws {
        self.folder = folder
        file = folder.appendingPathComponent(shard.map { "results-shard-\($0.0)-of-\($0.1).jsonl" } ?? "results.jsonl")
        try load()
    }

    public func load() throws {
        records = [:]
        order = []
        own = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names.sorted() where name.hasPrefix("results") && name.hasSuffix(".jsonl") {
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { continue }
            for line in data.split(separator: UInt8(ascii: "\n")) {
                guard let r = try? JSONDecoder().decode(ResultRecord.self, from: Data(line)) else { continue }
                if records[r.key] == nil { order.append(r.key) }
                records[r.key] = r
                if name == file.lastPathComponent { own.insert(r.key) }
            }
        }
    }

    public func append(_ record: ResultRecord) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: file.path) { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
        guard let handle = FileHandle(forUpdatingAtPath: file.path) else { throw ModelIOError(file.path, "cannot open for appending") }
        defer { try? handle.close() }
        // Cut a torn last line (a write interrupted by a kill) before adding a whole one.
        let existing = try handle.readToEnd() ?? Data()
        if let last = existing.last, last != UInt8(ascii: "\n") {
            let keep = existing.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            try handle.truncate(atOffset: UInt64(keep))
        }
        try handle.seekToEnd()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(record)
        line.append(UInt8(ascii: "\n"))
        try handle.write(contentsOf: line)
        try handle.synchronize()
        if records[record.key] == nil { order.append(record.key) }
        records[record.key] = record
        own.insert(record.key)
    }

    /// results.csv: one row per finished cell, rewritten atomically.
    public func exportCSV() throws {
        var rows = ["key,model,scorer,pruner,pipeline,structure,amount,ppl,mean_nll,predicted_tokens,params_total,params_nonzero,params_stored,tokens_per_second"]
        func field(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        for key in order {
            let r = records[key]!, c = r.cell, m = r.metrics
            let settings: [String] = [r.key, c.model, c.scorer?.description ?? "dense", c.pruner?.description ?? "",
                                      c.pipeline?.rawValue ?? "", c.structure.map { $0.chain.joined(separator: " -> ") } ?? "", String(c.amount)]
            let ppl: String = m.ppl.map { String($0) } ?? ""
            let nll: String = m.meanNLL.map { String($0) } ?? ""
            let predicted: String = m.predictedTokens.map { String($0) } ?? ""
            let speed: String = m.tokensPerSecond.map { String($0) } ?? ""
            let measured: [String] = [ppl, nll, predicted, String(m.paramsTotal), String(m.paramsNonzero), String(m.paramsStored), speed]
            rows.append((settings + measured).map(field).joined(separator: ","))
        }
        try AtomicWrite.write(Data((rows.joined(separator: "\n") + "\n").utf8), to: folder.appendingPathComponent("results.csv").path)
    }

    /// Copies into this store's own file every record of `others` and of the shard files beside it that
    /// the file does not hold yet (records already there are kept).
    public func merge(_ others: [ResultsStore]) throws -> Int {
        var added = 0
        for store in [self] + others {
            for key in store.order where !own.contains(key) {
                try append(store.records[key]!)
                added += 1
            }
        }
        try exportCSV()
        return added
    }
}
