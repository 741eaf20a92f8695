import FunnelModels
import FunnelTrain

/// What a report compares: an activation, and for runs of the placement ablations where it was
/// placed. Runs that differ only in placement (FReLU in stage 1 only, FReLU with SE blocks) are
/// different configurations, not seeds of one activation, so their key says so:
/// `frelu`, `frelu@stages=1`, `frelu@slots=after1x1`, `relu@se`, `frelu@stages=2,3@se`.
/// The default placement (every stage, every slot, no SE) adds nothing, so plain studies keep
/// their activation specs as keys.
public enum ConfigurationKey {
    static let separator: Character = "@"

    /// The key of a run that used activation `act` with `config`'s placement.
    public static func make(act: String, config: TrainConfig?) -> String {
        guard let config else { return act }
        var parts = [act]
        if let stages = config.stages { parts.append("stages=" + stages.sorted().map(String.init).joined(separator: ",")) }
        if config.slots != .all { parts.append("slots=" + config.slots.rawValue) }
        if config.squeezeExcitation { parts.append("se") }
        return parts.joined(separator: String(separator))
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
                places.append(part)
            }
        }
        return activationName(parts[0]) + (places.isEmpty ? "" : " (" + places.joined(separator: ", ") + ")") + suffix
    }
}
