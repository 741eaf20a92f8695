/// A sweep file that cannot be used: which field, and what was expected there.
public struct SweepConfigurationError: Error, Hashable, CustomStringConvertible {
    /// The field's path in the file, e.g. `parameters.lr.min` (or `yaml` for a syntax error).
    public let field: String
    /// What is wrong and what was expected.
    public let message: String

    /// - Parameters:
    ///   - field: The field's dotted path.
    ///   - message: What is wrong and what was expected.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    /// `[sweep] field: message`.
    public var description: String { "[sweep] \(field): \(message)" }
}
