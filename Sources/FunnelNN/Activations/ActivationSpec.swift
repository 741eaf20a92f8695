import Foundation

/// A parsed activation spec such as `frelu:k=5,norm=gn` or `dyrelu:variant=b,k=2,r=4`.
///
/// Syntax: `name[:option=value[,option=value...]]`; a bare `option` means `option=true`; values may
/// contain parenthesised commas (`frelu:window=max(1x3,3x1)`). Names and options are case-insensitive.
public struct ActivationSpec: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let options: [String: String]

    public init(name: String, options: [String: String] = [:]) {
        self.name = name.lowercased()
        self.options = options
    }

    /// Parses a spec string; throws on empty names or malformed options.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ":", maxSplits: 1).map(String.init)
        guard let name = parts.first, !name.isEmpty else { throw ActivationError.malformed(text, "empty activation name") }
        var options: [String: String] = [:]
        if parts.count == 2 {
            for item in splitTopLevel(parts[1]) where !item.isEmpty {
                let kv = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard let key = kv.first, !key.isEmpty else { throw ActivationError.malformed(text, "option '\(item)' has no name") }
                guard options[key.lowercased()] == nil else { throw ActivationError.malformed(text, "option '\(key)' given twice") }
                options[key.lowercased()] = kv.count == 2 ? kv[1] : "true"
            }
        }
        self.init(name: name, options: options)
    }

    /// Canonical text: name, then options sorted by key.
    public var description: String {
        options.isEmpty ? name : name + ":" + options.keys.sorted().map { "\($0)=\(options[$0]!)" }.joined(separator: ",")
    }
}

/// Splits on commas that are not inside parentheses.
private func splitTopLevel(_ s: String) -> [String] {
    var out: [String] = [], current = "", depth = 0
    for ch in s {
        if ch == "(" { depth += 1 } else if ch == ")" { depth -= 1 }
        if ch == ",", depth == 0 { out.append(current); current = "" } else { current.append(ch) }
    }
    out.append(current)
    return out.map { $0.trimmingCharacters(in: .whitespaces) }
}

/// Why an activation spec was rejected. Every message lists what would have been valid.
public enum ActivationError: Error, CustomStringConvertible, Equatable {
    case malformed(String, String)
    case unknownName(String, valid: [String])
    case unknownOption(activation: String, option: String, valid: [String])
    case badValue(activation: String, option: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .malformed(let spec, let why):
            return "activation spec '\(spec)': \(why)"
        case .unknownName(let name, let valid):
            return "unknown activation '\(name)'; valid names: \(valid.joined(separator: ", "))"
        case .unknownOption(let act, let option, let valid):
            return "activation '\(act)' has no option '\(option)'; valid options: \(valid.isEmpty ? "(none)" : valid.joined(separator: ", "))"
        case .badValue(let act, let option, let value, let expected):
            return "activation '\(act)': option \(option)=\(value) is invalid; expected \(expected)"
        }
    }
}

/// Typed, validated access to a spec's options for one activation's constructor.
public struct ActivationOptions {
    public let activation: String
    let values: [String: String]

    public func string(_ key: String, default value: String, allowed: [String]) throws -> String {
        guard let raw = values[key]?.lowercased() else { return value }
        guard allowed.contains(raw) else {
            throw ActivationError.badValue(activation: activation, option: key, value: raw, expected: "one of \(allowed.joined(separator: ", "))")
        }
        return raw
    }

    public func int(_ key: String, default value: Int, range: ClosedRange<Int> = 1...1024, where condition: ((Int) -> Bool)? = nil,
                    expected: String? = nil) throws -> Int {
        guard let raw = values[key] else { return value }
        guard let v = Int(raw), range.contains(v), condition?(v) ?? true else {
            throw ActivationError.badValue(activation: activation, option: key, value: raw,
                                           expected: expected ?? "an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    public func float(_ key: String, default value: Float, range: ClosedRange<Float> = -1e6...1e6) throws -> Float {
        guard let raw = values[key] else { return value }
        guard let v = Float(raw), range.contains(v) else {
            throw ActivationError.badValue(activation: activation, option: key, value: raw, expected: "a number in \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    public func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let raw = values[key]?.lowercased() else { return value }
        switch raw {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw ActivationError.badValue(activation: activation, option: key, value: raw, expected: "true or false")
        }
    }

    /// The raw value, for options with their own grammar (FReLU's window).
    public func raw(_ key: String) -> String? { values[key] }
}
