import Foundation

/// A task's data file: one JSON object per line, as `datasets`' `to_json` writes a split. Every field a
/// task reads goes through `Record`, so a missing or mistyped field is reported as `file:line: ...`.
public struct TaskRecords {
    public struct Record {
        public let file: String
        public let line: Int
        let object: [String: Any]

        func fail(_ message: String) -> EvaluationError { EvaluationError("\(file):\(line): \(message)") }

        public func value(_ key: String) throws -> Any {
            guard let value = object[key] else { throw fail("missing field \"\(key)\"") }
            return value
        }

        public func string(_ key: String) throws -> String {
            guard let value = object[key] else { throw fail("missing field \"\(key)\"") }
            guard let s = value as? String else { throw fail("field \"\(key)\" must be a string, found \(Self.kind(value))") }
            return s
        }

        /// An integer field; lm-eval's data sets hold some labels as strings ("0", "1"), so a string of
        /// digits is read too when `orString` says so.
        public func integer(_ key: String, orString: Bool = false) throws -> Int {
            guard let value = object[key] else { throw fail("missing field \"\(key)\"") }
            if let n = value as? NSNumber, !Self.isBoolean(n), let i = Int(exactly: n.doubleValue) { return i }
            if orString, let s = value as? String, let i = Int(s) { return i }
            throw fail("field \"\(key)\" must be \(orString ? "an integer or a string of digits" : "an integer"), found \(Self.kind(value))")
        }

        public func strings(_ key: String) throws -> [String] {
            guard let value = object[key] else { throw fail("missing field \"\(key)\"") }
            guard let list = value as? [Any], list.allSatisfy({ $0 is String }) else {
                throw fail("field \"\(key)\" must be a list of strings, found \(Self.kind(value))")
            }
            return list as! [String]
        }

        public func record(_ key: String) throws -> Record {
            guard let value = object[key] else { throw fail("missing field \"\(key)\"") }
            guard let nested = value as? [String: Any] else { throw fail("field \"\(key)\" must be an object, found \(Self.kind(value))") }
            return Record(file: file, line: line, object: nested)
        }

        /// JSON true/false arrive as NSNumbers of type char.
        static func isBoolean(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

        static func kind(_ value: Any) -> String {
            switch value {
            case is NSNull: "null"
            case let n as NSNumber: isBoolean(n) ? "a boolean" : "a number"
            case is String: "a string"
            case is [Any]: "a list"
            case is [String: Any]: "an object"
            default: "\(type(of: value))"
            }
        }
    }

    public let records: [Record]

    /// The records of `data` (the file `file`'s bytes), the first `limit` when given. Blank lines are
    /// skipped; anything else that is not a JSON object is an error at its line.
    public init(_ data: Data, file: String, limit: Int? = nil) throws {
        var out: [Record] = []
        var n = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            n += 1
            if let limit, out.count >= limit { break }
            if line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                throw EvaluationError("\(file):\(n): not a JSON object (a task file holds one record per line, as datasets' to_json writes them)")
            }
            out.append(Record(file: file, line: n, object: object))
        }
        guard !out.isEmpty else { throw EvaluationError("\(file): holds no records") }
        records = out
    }
}
