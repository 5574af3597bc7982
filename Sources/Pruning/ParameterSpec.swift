/// A component named with parameters, as written on the command line or in a script:
/// `wpr(gamma: 0.5, theta: 0.3)`, `global(balance: width)`, `norm`.
public struct ComponentSpec: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Value: Hashable, Sendable, Codable, CustomStringConvertible {
        case number(Double)
        case bool(Bool)
        case word(String)

        public var description: String {
            switch self {
            case .number(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
            case .bool(let b): String(b)
            case .word(let w): w
            }
        }
    }

    public var name: String
    public var parameters: [String: Value]

    public init(name: String, parameters: [String: Value] = [:]) {
        self.name = name
        self.parameters = parameters
    }

    /// Canonical text: parameters sorted by name, so equal specs print (and hash) alike.
    public var description: String {
        parameters.isEmpty ? name : "\(name)(" + parameters.keys.sorted().map { "\($0): \(parameters[$0]!)" }.joined(separator: ", ") + ")"
    }

    /// Parses `name` or `name(key: value, ...)`; values are numbers, true/false, or bare words. Anything
    /// else (an empty or doubled comma, a parameter given twice, nested parentheses, a number that is
    /// not finite) is refused with a message quoting the text.
    public static func parse(_ text: String) throws -> ComponentSpec {
        func isName(_ s: String) -> Bool {
            guard let first = s.first, first.isLetter || first == "_" else { return false }
            return s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
        }
        let t = text.trimmingCharacters(in: .whitespaces)
        guard let open = t.firstIndex(of: "(") else {
            guard isName(t) else { throw PruningError("cannot read \"\(text)\": expected a name such as wpr or wpr(gamma: 0.5)") }
            return ComponentSpec(name: t)
        }
        guard t.hasSuffix(")") else { throw PruningError("cannot read \"\(text)\": missing closing parenthesis") }
        let name = String(t[..<open]).trimmingCharacters(in: .whitespaces)
        guard isName(name) else { throw PruningError("cannot read \"\(text)\": expected a name before `(`") }
        // `open` is before the final `)`, since that `)` is not a `(`.
        let body = t[t.index(after: open)..<t.index(before: t.endIndex)]
        guard !body.contains("("), !body.contains(")") else {
            throw PruningError("cannot read \"\(text)\": parameters hold plain values, not parentheses")
        }
        var parameters: [String: Value] = [:]
        guard !body.trimmingCharacters(in: .whitespaces).isEmpty else { return ComponentSpec(name: name) }
        for item in body.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = item.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, isName(pair[0]), !pair[1].isEmpty else {
                throw PruningError("cannot read \"\(item.trimmingCharacters(in: .whitespaces))\" in \"\(text)\": expected key: value")
            }
            guard parameters[pair[0]] == nil else {
                throw PruningError("parameter \(pair[0]) is given twice in \"\(text)\"", subject: .parameterName(pair[0]))
            }
            if let d = Double(pair[1]) {
                guard d.isFinite else {
                    throw PruningError("cannot read \"\(text)\": \(pair[0]) must be a finite number, got \(pair[1])", subject: .parameterValue(pair[0]))
                }
                parameters[pair[0]] = .number(d)
            } else if pair[1] == "true" || pair[1] == "false" {
                parameters[pair[0]] = .bool(pair[1] == "true")
            } else {
                parameters[pair[0]] = .word(pair[1])
            }
        }
        return ComponentSpec(name: name, parameters: parameters)
    }
}

/// Typed access to a spec's parameters for a component's factory, refusing unknown names and wrong types.
/// Each error names its parameter in `PruningError.subject`.
public struct ParameterReader {
    let spec: ComponentSpec
    private var used: Set<String> = []

    public init(_ spec: ComponentSpec) { self.spec = spec }

    public mutating func number(_ key: String, default value: Double, in range: ClosedRange<Double>? = nil) throws -> Double {
        used.insert(key)
        guard let v = spec.parameters[key] else { return value }
        guard case .number(let d) = v else { throw PruningError("\(spec.name): \(key) must be a number, got \(v)", subject: .parameterValue(key)) }
        if let range, !range.contains(d) {
            throw PruningError("\(spec.name): \(key) must lie in [\(range.lowerBound.clean), \(range.upperBound.clean)], got \(d.clean)",
                               subject: .parameterValue(key))
        }
        return d
    }

    /// A whole number (a seed, a count): a fraction is refused rather than truncated.
    public mutating func integer(_ key: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        used.insert(key)
        guard let v = spec.parameters[key] else { return value }
        guard case .number(let d) = v else {
            throw PruningError("\(spec.name): \(key) must be a whole number, got \(v)", subject: .parameterValue(key))
        }
        guard d.isFinite, d == d.rounded() else {
            throw PruningError("\(spec.name): \(key) must be a whole number, got \(d.clean)", subject: .parameterValue(key))
        }
        // Compared as doubles first, so a huge value is refused before `Int(d)` could trap.
        guard d >= Double(range.lowerBound), d < Double(range.upperBound) + 1, range.contains(Int(d)) else {
            throw PruningError("\(spec.name): \(key) must lie in [\(range.lowerBound), \(range.upperBound)], got \(d.clean)",
                               subject: .parameterValue(key))
        }
        return Int(d)
    }

    public mutating func bool(_ key: String, default value: Bool) throws -> Bool {
        used.insert(key)
        guard let v = spec.parameters[key] else { return value }
        guard case .bool(let b) = v else { throw PruningError("\(spec.name): \(key) must be true or false, got \(v)", subject: .parameterValue(key)) }
        return b
    }

    public mutating func word(_ key: String, default value: String, allowed: [String]) throws -> String {
        used.insert(key)
        guard let v = spec.parameters[key] else { return value }
        guard case .word(let w) = v, allowed.contains(w) else {
            throw PruningError("\(spec.name): \(key) must be one of \(allowed.joined(separator: ", ")), got \(v)", subject: .parameterValue(key))
        }
        return w
    }

    /// Fails on any parameter the component did not ask for; the subject is the first unknown one.
    public func finish() throws {
        let unknown = Set(spec.parameters.keys).subtracting(used).sorted()
        guard let first = unknown.first else { return }
        let known = used.sorted().joined(separator: ", ")
        throw PruningError("\(spec.name) has no parameter \(unknown.joined(separator: ", "))" + (known.isEmpty ? " (it takes none)" : "; it takes: \(known)"),
                           subject: .parameterName(first))
    }
}

extension Double {
    /// A number as people write it: 3 rather than 3.0, 0.25 as is.
    public var clean: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self) }
}

import Foundation
