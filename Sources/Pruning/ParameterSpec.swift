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

    /// Parses `name` or `name(key: value, ...)`; values are numbers, true/false, or bare words.
    public static func parse(_ text: String) throws -> ComponentSpec {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard let open = t.firstIndex(of: "(") else {
            guard !t.isEmpty, t.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw PruningError("cannot read \"\(text)\": expected a name such as wpr or wpr(gamma: 0.5)")
            }
            return ComponentSpec(name: t)
        }
        guard t.hasSuffix(")") else { throw PruningError("cannot read \"\(text)\": missing closing parenthesis") }
        let name = String(t[..<open]).trimmingCharacters(in: .whitespaces)
        let body = t[t.index(after: open)..<t.index(before: t.endIndex)]
        var parameters: [String: Value] = [:]
        for item in body.split(separator: ",") {
            let pair = item.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else {
                throw PruningError("cannot read \"\(item.trimmingCharacters(in: .whitespaces))\" in \"\(text)\": expected key: value")
            }
            guard parameters[pair[0]] == nil else { throw PruningError("parameter \(pair[0]) is given twice in \"\(text)\"") }
            if let d = Double(pair[1]) {
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
public struct ParameterReader {
    let spec: ComponentSpec
    private var used: Set<String> = []

    public init(_ spec: ComponentSpec) { self.spec = spec }

    public mutating func number(_ key: String, default value: Double, in range: ClosedRange<Double>? = nil) throws -> Double {
        used.insert(key)
        guard let v = spec.parameters[key] else { return value }
        guard case .number(let d) = v else { throw PruningError("\(spec.name): \(key) must be a number, got \(v)") }
        if let range, !range.contains(d) {
            throw PruningError("\(spec.name): \(key) must lie in [\(range.lowerBound.clean), \(range.upperBound.clean)], got \(d.clean)")
        }
        return d
    }

    public mutating func bool(_ key: String, default value: Bool) throws -> Bool {
        used.insert(key)
        guard let v = spec.parameters[key] else { return value }
        guard case .bool(let b) = v else { throw PruningError("\(spec.name): \(key) must be true or false, got \(v)") }
        return b
    }

    public mutating func word(_ key: String, default value: String, allowed: [String]) throws -> String {
        used.insert(key)
        guard let v = spec.parameters[key] else { return value }
        guard case .word(let w) = v, allowed.contains(w) else {
            throw PruningError("\(spec.name): \(key) must be one of \(allowed.joined(separator: ", ")), got \(v)")
        }
        return w
    }

    /// Fails on any parameter the component did not ask for.
    public func finish() throws {
        let unknown = Set(spec.parameters.keys).subtracting(used).sorted()
        guard unknown.isEmpty else {
            let known = used.sorted().joined(separator: ", ")
            throw PruningError("\(spec.name) has no parameter \(unknown.joined(separator: ", "))" + (known.isEmpty ? " (it takes none)" : "; it takes: \(known)"))
        }
    }
}

extension Double {
    /// A number as people write it: 3 rather than 3.0, 0.25 as is.
    public var clean: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self) }
}

import Foundation
