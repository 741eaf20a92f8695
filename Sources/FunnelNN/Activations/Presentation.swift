extension Activations {
    /// How reports write a spec, as the papers do, with options its name does not already say in
    /// parentheses: `frelu:k=5` → `FReLU (k=5)`, `dyrelu:variant=c` → `DY-ReLU-C`,
    /// `frelu:cond=maxpool` → `FReLU-B (max pool)`. Unknown or malformed specs come back as written.
    public static func displayName(_ text: String) -> String {
        guard let (entry, variant, rest) = presentation(text) else { return text }
        let base = variant?.displayName ?? entry.displayName
        guard !rest.isEmpty else { return base }
        return base + " (" + rest.keys.sorted().map { "\($0)=\(rest[$0]!)" }.joined(separator: ", ") + ")"
    }

    /// The report colour (`#rrggbb`) of a spec: its alias's, else its entry's; nil for none or an
    /// unknown spec.
    public static func color(_ text: String) -> String? {
        guard let (entry, variant, _) = presentation(text) else { return nil }
        return variant?.color ?? entry.color
    }

    /// The entry of a spec, the named alias whose presets its options include (the one saying the
    /// most), and the options left over.
    private static func presentation(_ text: String) -> (ActivationEntry, ActivationAlias?, [String: String])? {
        guard let spec = try? ActivationSpec(parsing: text), let (entry, options) = try? resolve(spec, in: all) else { return nil }
        let variant = entry.variants
            .filter { $0.displayName != nil && !$0.options.isEmpty && $0.options.allSatisfy { options[$0.key]?.lowercased() == $0.value } }
            .max { $0.options.count < $1.options.count }
        let rest = options.filter { variant?.options[$0.key] == nil }
        return (entry, variant, rest)
    }
}
