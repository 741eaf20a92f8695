import Foundation
import FunnelStats
import FunnelTrain
import Yams

extension Dictionary where Key == String, Value == SweepValue {
    /// A canonical text of the assignment, equal for equal assignments, for storing and looking up runs.
    ///
    /// It is a one-line JSON object with keys in sorted order, strings quoted and escaped, and numbers in
    /// Swift's shortest round-trip form (`{"act":"relu","batch_size":64,"lr":0.001}`). Being JSON it is also
    /// YAML, which is how `init(storageKey:)` reads it back with the sweep file's own typing of scalars:
    /// a double keeps its decimal point (`1.0`) so it does not come back as an int.
    public var storageKey: String {
        let fields = keys.sorted().map { "\(jsonString($0)):\(Self.literal(self[$0]!))" }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// Reads an assignment back from its `storageKey`.
    ///
    /// - Throws: `SweepConfigurationError` when the text is not a flat mapping of names to scalars.
    public init(storageKey: String) throws {
        let root: Node?
        do { root = try Yams.compose(yaml: storageKey) } catch {
            throw SweepConfigurationError(field: "storage key", message: "is not valid YAML/JSON: \(error)")
        }
        guard let mapping = root?.mapping else {
            throw SweepConfigurationError(field: "storage key", message: "expected a mapping such as {\"lr\":0.1}, got '\(storageKey)'")
        }
        var assignment: [String: SweepValue] = [:]
        for (key, node) in mapping {
            guard let name = key.string, let value = SweepValue(yaml: node) else {
                throw SweepConfigurationError(field: "storage key", message: "expected name: scalar pairs, got '\(storageKey)'")
            }
            assignment[name] = value
        }
        self = assignment
    }

    private static func literal(_ value: SweepValue) -> String {
        switch value {
        case let .int(number): return "\(number)"
        case let .bool(flag): return "\(flag)"
        case let .string(text): return jsonString(text)  // JSON escapes are also YAML double-quoted ones
        case let .double(number):
            // YAML spellings for the non-finite values JSON has no words for.
            if number.isNaN { return ".nan" }
            if number.isInfinite { return number > 0 ? ".inf" : "-.inf" }
            let text = "\(number)"
            // Swift writes 1e-05 without a point; keep it a float for readers that want one.
            return text.contains(".") ? text : text.replacingOccurrences(of: "e", with: ".0e")
        }
    }
}
