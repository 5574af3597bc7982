import Foundation
import ModelIO
import Pruning
#if canImport(Glibc)
import Glibc
#endif

public struct ResultRecord: Codable, Sendable {
    public var key: String
    public var cell: Cell
    public var inputs: CellInputs
    public var metrics: CellMetrics
    public var finishedAt: String
    public var tool: String
    /// The file name of the script that computed it (absent in records of earlier versions).
    public var script: String?

    public init(key: String, cell: Cell, inputs: CellInputs, metrics: CellMetrics, finishedAt: String, tool: String, script: String? = nil) {
        self.key = key
        self.cell = cell
        self.inputs = inputs
        self.metrics = metrics
        self.finishedAt = finishedAt
        self.tool = tool
        self.script = script
    }

    enum CodingKeys: String, CodingKey { case key, cell, inputs, metrics, finishedAt = "finished_at", tool, script }

    /// Why this record proves nothing about any cell, or nil when it is sound: its key must be the
    /// digest of its inputs, its inputs those of its cell, and every metric its cell asks for present.
    public var defect: String? {
        guard key == inputs.key else { return "its key is not the digest of its inputs (edited, or copied from another cell)" }
        guard inputs.describe(cell) else { return "its cell's settings are not its inputs' (edited, or pieced together)" }
        let missing = metrics.missing(for: cell)
        guard missing.isEmpty else { return "it lacks \(missing.joined(separator: ", ")), which its cell asks for" }
        return nil
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        // A pruned model can overflow to an infinite perplexity; that is a result, not an error.
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }()
}

/// Finished cells of an output folder: `results*.jsonl` files, one JSON record per line, appended and
/// fsync'd one record at a time.
///
/// What it promises: a record is stored whole or not at all (a process killed mid-write leaves at most a
/// torn last line, which loading skips and the next append cuts off; nothing before it is ever
/// rewritten); every record is checked when read (its key must be the digest of its inputs, its inputs
/// those of its cell, its metrics complete), and one that fails is skipped with a warning naming the
/// file and line, never attributed to a cell; one writer at a time per file (`OutputLock`).
public final class ResultsStore: @unchecked Sendable {
    public let folder: URL
    public let file: URL
    /// Every sound record in the folder's result files (this store's own file and any shard files beside it).
    public private(set) var records: [String: ResultRecord] = [:]
    /// Keys in the order they were first recorded.
    public private(set) var order: [String] = []
    /// Where each record was read from (`file:line`), for messages.
    public private(set) var origin: [String: String] = [:]
    /// Problems found while reading: unreadable lines, records that do not prove their key.
    public private(set) var problems: [String] = []
    /// Keys held in this store's own file.
    private var own: Set<String> = []

    /// `shard` (i, n) writes to its own file so that shards never share one.
    public init(folder: URL, shard: (Int, Int)? = nil) throws {
        self.folder = folder
        file = folder.appendingPathComponent(Self.fileName(shard: shard))
        try load()
    }

    public static func fileName(shard: (Int, Int)?) -> String {
        shard.map { "results-shard-\($0.0)-of-\($0.1).jsonl" } ?? "results.jsonl"
    }

    public func load() throws {
        records = [:]
        order = []
        own = []
        origin = [:]
        problems = []
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw ModelIOError(folder.path, "is a file, not a results folder")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names.sorted() where name.hasPrefix("results") && name.hasSuffix(".jsonl") {
            let path = folder.appendingPathComponent(name).path
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                problem("\(path): cannot be read (\(FileSystemReason.of(error))); its records are ignored")
                continue
            }
            let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            for (n, line) in lines.enumerated() where !line.allSatisfy({ $0 == 32 || $0 == 13 }) {
                let at = "\(path):\(n + 1)"
                let isLast = n == lines.count - 1   // no newline after it: maybe a write cut short
                guard let r = try? ResultRecord.decoder.decode(ResultRecord.self, from: Data(line)) else {
                    problem(isLast ? "\(at): torn last line (an interrupted write); ignored, and cut off by the next append"
                                   : "\(at): not a result record; skipped")
                    continue
                }
                if let defect = r.defect {
                    problem("\(at): record \(r.key.prefix(10)) skipped: \(defect)")
                    continue
                }
                if records[r.key] == nil { order.append(r.key) }
                records[r.key] = r
                origin[r.key] = at
                if name == file.lastPathComponent { own.insert(r.key) }
            }
        }
    }

    /// Problems are warned about once per process, however often the store is read again.
    nonisolated(unsafe) private static var warned: Set<String> = []
    private static let warnedLock = NSLock()

    private func problem(_ message: String) {
        problems.append(message)
        Self.warnedLock.lock()
        let first = Self.warned.insert(message).inserted
        Self.warnedLock.unlock()
        if first { Warnings.emit(message) }
    }

    /// Held around every append in this process, so that `freeze` can stop appends between two records.
    private static let appending = NSLock()

    /// Waits for an append in progress to finish and blocks every later one, for good: what the files
    /// hold afterwards is final (an interrupted run counts its records, then exits).
    public static func freeze() { appending.lock() }

    public func append(_ record: ResultRecord) throws {
        Self.appending.lock()
        defer { Self.appending.unlock() }
        if let defect = record.defect { throw ModelIOError(file.path, "refusing to store record \(record.key.prefix(10)): \(defect)") }
        try Folder.create(folder.path)
        let path = file.path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ModelIOError(path, "cannot open for appending: \(FileSystemReason.current)") }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        guard size >= 0 else { throw ModelIOError(path, "cannot read: \(FileSystemReason.current)") }
        if size > 0 {
            // The last line: kept (and closed with a newline) if it is a whole record, cut off if torn.
            let tail = try Self.lastLine(fd, size: Int(size), path: path)
            if !tail.endsWithNewline {
                if (try? ResultRecord.decoder.decode(ResultRecord.self, from: tail.line)) != nil {
                    try AtomicWrite.writeAll(fd, Data("\n".utf8), path: path)
                } else {
                    guard ftruncate(fd, off_t(Int(size) - tail.line.count)) == 0 else {
                        throw ModelIOError(path, "cannot cut a torn line: \(FileSystemReason.current)")
                    }
                    _ = lseek(fd, 0, SEEK_END)
                }
            }
        }
        var line = try ResultRecord.encoder.encode(record)
        line.append(UInt8(ascii: "\n"))
        try AtomicWrite.writeAll(fd, line, path: path)
        guard fsync(fd) == 0 else { throw ModelIOError(path, "cannot write: \(FileSystemReason.current)") }
        if records[record.key] == nil { order.append(record.key) }
        records[record.key] = record
        own.insert(record.key)
    }

    /// The file's last line (after the last newline, or the last whole line when it ends with one).
    private static func lastLine(_ fd: Int32, size: Int, path: String) throws -> (line: Data, endsWithNewline: Bool) {
        var end = size
        var last = [UInt8](repeating: 0, count: 1)
        guard pread(fd, &last, 1, off_t(size - 1)) == 1 else { throw ModelIOError(path, "cannot read: \(FileSystemReason.current)") }
        if last[0] == UInt8(ascii: "\n") { return (Data(), true) }
        // Read backwards in chunks until the previous newline.
        var collected = Data()
        let chunk = 1 << 16
        while end > 0 {
            let start = max(0, end - chunk)
            var buffer = [UInt8](repeating: 0, count: end - start)
            guard pread(fd, &buffer, buffer.count, off_t(start)) == buffer.count else {
                throw ModelIOError(path, "cannot read: \(FileSystemReason.current)")
            }
            if let newline = buffer.lastIndex(of: UInt8(ascii: "\n")) {
                return (Data(buffer[(newline + 1)...]) + collected, false)
            }
            collected = Data(buffer) + collected
            end = start
        }
        return (collected, false)
    }

    /// results.csv: one row per finished cell, every setting in its own column, rewritten atomically.
    public func exportCSV() throws {
        var rows = ["key,model,scorer,pruner,pipeline,structure,reconstruct,amount,calibration,samples,seqlen,seed,task,evaluation,eval_seqlen,eval_windows,eval_limit,precision,"
                    + "ppl,mean_nll,predicted_tokens,acc,acc_stderr,acc_norm,acc_norm_stderr,task_perplexity,word_perplexity,byte_perplexity,"
                    + "bits_per_byte,params_total,params_nonzero,params_stored,tokens_per_second"]
        func field(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        func text(_ v: Double?) -> String { v.map { String($0) } ?? "" }
        func text(_ v: Int?) -> String { v.map { String($0) } ?? "" }
        for key in order {
            let r = records[key]!, c = r.cell, m = r.metrics
            let settings: [String] = [
                r.key, c.model, c.scorer?.description ?? "dense", c.pruner?.description ?? "", c.pipeline?.rawValue ?? "",
                c.structure.map { $0.chain.joined(separator: " -> ") } ?? "", c.reconstruction?.description ?? "", String(c.amount),
                c.calibration?.path ?? "", text(c.calibration?.samples), text(c.calibration?.seqlen), text(c.calibration?.seed),
                c.evaluation?.task ?? "", c.evaluation?.text ?? "", text(c.evaluation?.seqlen), text(c.evaluation?.windows),
                text(c.evaluation?.limit), c.precision?.rawValue ?? "f32",
            ]
            let task = c.evaluation?.isPerplexity == false ? m.evaluation?.metrics ?? [:] : [:]
            let measured: [String] = [text(m.ppl), text(m.meanNLL), text(m.predictedTokens)]
                + ["acc", "acc_stderr", "acc_norm", "acc_norm_stderr", "perplexity", "word_perplexity", "byte_perplexity", "bits_per_byte"].map { text(task[$0]) }
                + [String(m.paramsTotal), String(m.paramsNonzero), String(m.paramsStored), text(m.tokensPerSecond)]
            rows.append((settings + measured).map(field).joined(separator: ","))
        }
        try AtomicWrite.write(Data((rows.joined(separator: "\n") + "\n").utf8), to: folder.appendingPathComponent("results.csv").path)
    }

    /// What a merge did.
    public struct MergeSummary: Sendable {
        public var added = 0
        /// Records skipped because another script computed them: (script, count), by script.
        public var otherScripts: [String: Int] = [:]
    }

    /// The script the records in this folder come from: the one most of them name.
    public var script: String? {
        var counts: [String: Int] = [:]
        for r in records.values { if let s = r.script { counts[s, default: 0] += 1 } }
        return counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
    }

    /// Copies into this store's own file every record of `others` and of the shard files beside it that
    /// the file does not hold yet (records already there are kept). Records naming a script other than
    /// `script` are left out and counted, unless `script` is nil.
    public func merge(_ others: [ResultsStore], script: String? = nil) throws -> MergeSummary {
        var summary = MergeSummary()
        for store in [self] + others {
            for key in store.order where !own.contains(key) {
                let record = store.records[key]!
                if let script, let theirs = record.script, theirs != script {
                    summary.otherScripts[theirs, default: 0] += 1
                    continue
                }
                try append(record)
                summary.added += 1
            }
        }
        try exportCSV()
        return summary
    }
}
