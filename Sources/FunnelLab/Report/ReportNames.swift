import Foundation
import FunnelCharts
import FunnelNN

/// How a report writes the names of activations, models and datasets: as the papers do
/// (`FReLU`, `DY-ReLU-B`, `ResNet-20`, `CIFAR-10`), with a spec's options in parentheses, and
/// unknown names as they are.
public enum ReportNames {
    private static let activations: [String: String] = [
        "relu": "ReLU", "leaky_relu": "LeakyReLU", "prelu": "PReLU", "swish": "Swish", "silu": "SiLU",
        "gelu": "GELU", "mish": "Mish", "sigmoid": "Sigmoid", "tanh": "Tanh", "softplus": "Softplus",
        "elu": "ELU", "hard_swish": "Hard-swish", "hardswish": "Hard-swish", "maxout": "Maxout", "glu": "GLU",
        "frelu": "FReLU", "funnel": "FReLU", "frelu_a": "FReLU", "frelu_b": "FReLU-B (max pool)",
        "frelu_c": "FReLU-C (avg pool)", "frelu_d": "FReLU-D (sum)", "frelu_e": "FReLU-E (ReLU of DW)",
        "frelu_light": "FReLU light (1\u{00D7}3 + 3\u{00D7}1)", "dyrelu": "DY-ReLU-B", "dyrelu_a": "DY-ReLU-A", "dyrelu_b": "DY-ReLU-B",
        "dyrelu_c": "DY-ReLU-C", "dynamic_relu": "DY-ReLU-B",
    ]

    /// `frelu:k=5` -> `FReLU (k=5)`; `dyrelu:variant=c` -> `DY-ReLU-C`.
    public static func activation(_ spec: String) -> String {
        guard let parsed = try? ActivationSpec(parsing: spec) else { return spec }
        var options = parsed.options
        var base = activations[parsed.name] ?? parsed.name
        if parsed.name.hasPrefix("dyrelu") || parsed.name == "dynamic_relu", let variant = options.removeValue(forKey: "variant") {
            base = "DY-ReLU-" + variant.uppercased()
        }
        guard !options.isEmpty else { return base }
        return base + " (" + options.keys.sorted().map { "\($0)=\(options[$0]!)" }.joined(separator: ", ") + ")"
    }

    private static let models: [String: String] = [
        "resnet18": "ResNet-18", "resnet20": "ResNet-20", "resnet32": "ResNet-32", "resnet34": "ResNet-34",
        "resnet50": "ResNet-50", "resnet56": "ResNet-56", "resnet50_imagenet": "ResNet-50",
        "resnet101_imagenet": "ResNet-101", "mobilenet_v1_0.75": "MobileNet v1 0.75",
        "shufflenet_v2_0.5x": "ShuffleNet v2 0.5\u{00D7}",
    ]

    /// `resnet20` -> `ResNet-20`.
    public static func model(_ name: String) -> String {
        models[name.lowercased()] ?? name
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
