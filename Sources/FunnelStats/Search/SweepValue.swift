/// The hyper-parameters of one sweep run, by parameter name.
public typealias SweepAssignment = [String: SweepValue]

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
