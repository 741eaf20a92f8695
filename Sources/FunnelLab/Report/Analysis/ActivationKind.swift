import FunnelNN

/// What sort of activation a spec names: the report looks inside FReLU and DY-ReLU models and
/// draws curves of pointwise ones.
public enum ActivationKind: String, Codable, Sendable, Equatable {
    case pointwise, frelu, dyrelu, other

    /// The kind of `spec` (or of a configuration key's activation) by its registry entry; `other`
    /// for a spec the registry does not know.
    static func of(_ spec: String) -> ActivationKind {
        guard let parsed = try? ActivationSpec(parsing: ConfigurationKey.activation(of: spec)),
              let entry = Activations.all.first(where: { $0.name == parsed.name || $0.aliases.contains(parsed.name) }) else { return .other }
        if entry.name == "frelu" { return .frelu }
        if entry.name == "dyrelu" { return .dyrelu }
        return entry.isPointwise ? .pointwise : .other
    }
}
