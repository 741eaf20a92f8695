import FunnelStats
import Yams

extension SweepValue {
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
