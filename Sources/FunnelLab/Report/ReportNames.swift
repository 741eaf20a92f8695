import Foundation
import FunnelCharts
import FunnelModels
import FunnelNN

/// How a report writes the names of activations, models and datasets: as the papers do
/// (`FReLU`, `DY-ReLU-B`, `ResNet-20`, `CIFAR-10`), with a spec's options in parentheses, and
/// unknown names as they are.
public enum ReportNames {
    /// `frelu:k=5` -> `FReLU (k=5)`; `dyrelu:variant=c` -> `DY-ReLU-C` (from the activation registry);
    /// a configuration key with a placement: `frelu@stages=1` -> `FReLU (stage 1 only)`, `relu@se` -> `ReLU + SE`.
    public static func activation(_ spec: String) -> String {
        ConfigurationKey.displayName(spec, activationName: Activations.displayName)
    }

    /// One colour per activation spec for every figure of a report: the registry's colour of the
    /// activation (so ReLU looks the same in every report), or, when it has none or an earlier spec
    /// of the list took it (two FReLU variants), the first palette colour no spec has.
    public static func colors(for specs: [String], palette: [Color] = Palette.series) -> [String: Color] {
        var assigned: [String: Color] = [:]
        var used: Set<Color> = []
        var waiting: [String] = []
        for spec in specs where assigned[spec] == nil && !waiting.contains(spec) {
            if let hex = Activations.color(spec), case let color = Color(hex: hex), !used.contains(color) {
                assigned[spec] = color
                used.insert(color)
            } else {
                waiting.append(spec)
            }
        }
        var free = palette.filter { !used.contains($0) }
        for spec in waiting {
            if free.isEmpty { free = palette }  // more specs than colours: repeat the palette
            assigned[spec] = free.removeFirst()
        }
        return assigned
    }

    /// `resnet20` -> `ResNet-20` (from the model registry); unknown names as they are.
    public static func model(_ name: String) -> String {
        (try? Models.entry(name))?.displayName ?? name
    }

    /// `cifar10`, `cifar10-jpeg` -> `CIFAR-10`; `synthetic` -> `synthetic`.
    public static func dataset(_ name: String) -> String {
        let lower = name.lowercased()
        let suffix = lower.hasSuffix("-coarse") ? " (20 coarse classes)" : ""
        if lower.hasPrefix("cifar100") || lower.hasPrefix("cifar-100") { return "CIFAR-100" + suffix }
        if lower.hasPrefix("cifar10") || lower.hasPrefix("cifar-10") { return "CIFAR-10" + suffix }
        return name
    }

    /// Short path of an activation layer for small captions: `layer2.1.act1` -> `2.1.a1`, `act1` -> `stem`.
    public static func shortLayer(_ path: String) -> String {
        if path == "act1" { return "stem" }
        var parts = path.split(separator: ".").map(String.init)
        if let first = parts.first, first.hasPrefix("layer") { parts[0] = String(first.dropFirst("layer".count)) }
        if let last = parts.last, last.hasPrefix("act") { parts[parts.count - 1] = "a" + last.dropFirst("act".count) }
        return parts.joined(separator: ".")
    }
}

/// Numbers as the report writes them in prose and table cells.
enum ReportFormat {
    /// A p-value: three significant decimals, `< 0.001` below that.
    static func pValue(_ p: Double) -> String {
        guard p.isFinite else { return "\u{2014}" }
        if p < 0.001 { return "< 0.001" }
        return String(format: "%.3f", p)
    }

    /// `p = 0.290`, `p < 0.001`.
    static func pEquals(_ p: Double) -> String {
        p.isFinite && p < 0.001 ? "p < 0.001" : "p = " + pValue(p)
    }

    /// A signed difference with `decimals` decimals: `+1.23`, `\u{2212}0.40`.
    static func signed(_ value: Double, decimals: Int = 2) -> String {
        let text = String(format: "%+.\(decimals)f", value)
        return text.hasPrefix("-") ? "\u{2212}" + text.dropFirst() : text
    }

    /// `[a, b]` with `decimals` decimals and typographic minus signs.
    static func interval(_ range: ClosedRange<Double>, decimals: Int = 2) -> String {
        "[" + minus(String(format: "%.\(decimals)f", range.lowerBound)) + ", " + minus(String(format: "%.\(decimals)f", range.upperBound)) + "]"
    }

    static func minus(_ text: String) -> String {
        text.hasPrefix("-") ? "\u{2212}" + text.dropFirst() : text
    }

    /// `272,474` -> `0.272M`, `3.86e9` -> `3.86G`; counts with three significant figures.
    static func count(_ value: Int) -> String {
        let v = Double(value)
        if v >= 1e9 { return String(format: "%.2fG", v / 1e9) }
        if v >= 1e6 { return String(format: "%.2fM", v / 1e6) }
        if v >= 1e3 { return String(format: "%.1fk", v / 1e3) }
        return "\(value)"
    }

    /// A list in prose: `a`, `a and b`, `a, b and c`.
    static func list(_ items: [String]) -> String {
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        default: return items.dropLast().joined(separator: ", ") + " and " + items.last!
        }
    }
}
