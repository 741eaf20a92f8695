import Foundation
import FunnelModels
import FunnelTrain

/// What a report compares: an activation, and for runs of the placement ablations where it was
/// placed. Runs that differ only in placement (FReLU in stage 1 only, FReLU with SE blocks) are
/// different configurations, not seeds of one activation, so their key says so:
/// `frelu`, `frelu@stages=1`, `frelu@slots=after1x1`, `relu@se`, `frelu@stages=2,3@se`.
/// The default placement (every stage, every slot, no SE) adds nothing, so plain studies keep
/// their activation specs as keys. Runs that differ in any other field of their recipe (a sweep's
/// optimizer and batch size) are configurations of their own too, keyed by the fields in which the
/// report's runs differ: `relu@batch_size=64@optimizer=adam`.
public enum ConfigurationKey {
    static let separator: Character = "@"

    /// The key of a run that used activation `act` with `config`'s placement and the values of
    /// `config`'s recipe fields named in `fields` (see ``varyingFields(_:)``).
    public static func make(act: String, config: TrainConfig?, fields: [String] = []) -> String {
        guard let config else { return act }
        var parts = [act]
        if let stages = config.stages { parts.append("stages=" + stages.sorted().map(String.init).joined(separator: ",")) }
        if config.slots != .all { parts.append("slots=" + config.slots.rawValue) }
        if config.squeezeExcitation { parts.append("se") }
        let values = recipeFields(config)
        for field in fields { parts.append("\(field)=\(values[field] ?? "-")") }
        return parts.joined(separator: String(separator))
    }

    /// Fields a key never names: what a report groups by otherwise (model, data, planned epochs),
    /// the activation, the seed, and the placement, which has parts of its own.
    static let fieldsGroupedElsewhere: Set<String> = ["act", "model", "data", "epochs", "seed", "stages", "slots", "se"]

    /// The recipe fields (stored names, as in `batch_size`) whose values differ between `configs`,
    /// sorted; fields a run's stored recipe lacks count at their defaults.
    public static func varyingFields(_ configs: [TrainConfig]) -> [String] {
        let recipes = configs.map(recipeFields)
        let names = Set(recipes.flatMap(\.keys)).subtracting(fieldsGroupedElsewhere)
        return names.filter { name in Set(recipes.map { $0[name] ?? "" }).count > 1 }.sorted()
    }

    /// Each stored field of `config` with its value as text: strings as they are, others as JSON.
    static func recipeFields(_ config: TrainConfig) -> [String: String] {
        guard let data = try? JSONEncoder().encode(config),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object.mapValues { value in
            if let text = value as? String { return text }
            guard JSONSerialization.isValidJSONObject([value]),
                  let text = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys]) else { return "\(value)" }
            return String(decoding: text.dropFirst().dropLast(), as: UTF8.self)
        }
    }

    /// The activation spec of `key` (`frelu@stages=1` -> `frelu`).
    public static func activation(of key: String) -> String {
        String(key.prefix { $0 != separator })
    }

    /// `key` as a report writes it: `FReLU (stage 1 only)`, `FReLU (after 1x1)`, `ReLU + SE`.
    public static func displayName(_ key: String, activationName: (String) -> String) -> String {
        let parts = key.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
        var places: [String] = []
        var suffix = ""
        for part in parts.dropFirst() {
            if part == "se" {
                suffix = " + SE"
            } else if part.hasPrefix("stages=") {
                let stages = part.dropFirst("stages=".count).split(separator: ",")
                places.append((stages.count == 1 ? "stage " : "stages ") + stages.joined(separator: ", ") + " only")
            } else if part.hasPrefix("slots="), let slots = Placement.Slots(rawValue: String(part.dropFirst("slots=".count))) {
                places.append(slots == .after1x1 ? "after 1\u{00D7}1" : slots == .after3x3 ? "after 3\u{00D7}3" : "all slots")
            } else {
                // A recipe field: `batch_size=64` reads "batch size 64".
                places.append(part.replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "=", with: " "))
            }
        }
        return activationName(parts[0]) + (places.isEmpty ? "" : " (" + places.joined(separator: ", ") + ")") + suffix
    }
}
