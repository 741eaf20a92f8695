import Yams

/// One hyper-parameter value of a sweep run: what a YAML scalar in a sweep file can be.
public enum SweepValue: Sendable, Hashable {
    /// An integer, e.g. a batch size.
    case int(Int)
    /// A real number, e.g. a learning rate.
    case double(Double)
    /// A word, e.g. an activation's name.
    case string(String)
    /// A switch, e.g. `nesterov`.
    case bool(Bool)

    /// The value as a number, for `int` and `double`; nil for strings and booleans.
    public var doubleValue: Double? {
        switch self {
        case let .int(value): Double(value)
        case let .double(value): value
        case .string, .bool: nil
        }
    }

    /// The value as an integer, for `int` and for a `double` with no fractional part (a quantised range
    /// such as `q_uniform` with `q: 1` yields doubles).
    public var intValue: Int? {
        switch self {
        case let .int(value): value
        case let .double(value): value.rounded() == value ? Int(exactly: value) : nil
        case .string, .bool: nil
        }
    }

    /// The value as a string, for `string` only.
    public var stringValue: String? {
        if case let .string(value) = self { value } else { nil }
    }

    /// The value as a boolean, for `bool` only.
    public var boolValue: Bool? {
        if case let .bool(value) = self { value } else { nil }
    }

    /// The value read from a YAML scalar, typed as YAML 1.1 resolves it: a quoted scalar is always a
    /// string; a plain one is an int, float, boolean (`true`, `yes`, `on`, ...) or else a string.
    /// Returns nil for null (`~`, `null`, empty), which is no value.
    init?(yaml scalar: Node) {
        guard case let .scalar(content) = scalar else { return nil }
        switch scalar.tag.description {
        case Tag.Name.int.rawValue: guard let value = scalar.int else { return nil }; self = .int(value)
        case Tag.Name.float.rawValue: guard let value = scalar.float else { return nil }; self = .double(value)
        case Tag.Name.bool.rawValue: guard let value = scalar.bool else { return nil }; self = .bool(value)
        case Tag.Name.null.rawValue: return nil
        default: self = .string(content.string)
        }
    }
}

extension SweepValue: CustomStringConvertible {
    /// The bare value as a command line or a log would show it: `relu`, `64`, `0.001`, `true`.
    public var description: String {
        switch self {
        case let .int(value): "\(value)"
        case let .double(value): "\(value)"
        case let .string(value): value
        case let .bool(value): "\(value)"
        }
    }
}

/// Literals, so that assignments read naturally in code: `["act": "frelu", "lr": 0.01]`.
extension SweepValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral {
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
