import Foundation

/// How numbers are written on axes, in labels and in tables: plain ASCII decimals (`-` for minus),
/// never `-0`, the same on every platform.
public enum NumberFormat: Sendable, Hashable {
    /// Four significant digits (at most six decimals), trailing zeros dropped: 12.35, 0.25, 120000.
    /// On an axis, as many decimals as the tick step needs.
    case auto
    /// A fixed number of decimals: `.fixed(2)` writes 0.5 as `0.50`.
    case fixed(Int)
    /// A fraction as a percentage: 0.253 is `25.3%` (up to one decimal; on an axis, as many as the
    /// tick step needs).
    case percent

    /// Formats one value.
    public func string(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf") }
        switch self {
        case let .fixed(decimals): return Self.fixed(value, decimals: max(0, decimals))
        case .percent: return Self.trimmed(Self.fixed(value * 100, decimals: 1)) + "%"
        case .auto: return value == 0 ? "0" : Self.trimmed(Self.fixed(value, decimals: min(max(0, 3 - Int(floor(log10(abs(value))))), 6)))
        }
    }

    /// The labels of one axis's ticks, spaced `step` apart, all with the same number of decimals.
    func labels(_ ticks: [Double], step: Double) -> [String] {
        switch self {
        case .fixed: return ticks.map(string)
        case .percent: return ticks.map { Self.fixed($0 * 100, decimals: Self.decimalsNeeded(step * 100)) + "%" }
        case .auto: return ticks.map { Self.fixed($0, decimals: Self.decimalsNeeded(step)) }
        }
    }

    /// Fewest decimals (0...8) that write `step` exactly: 0.25 needs 2, 5 needs 0.
    static func decimalsNeeded(_ step: Double) -> Int {
        (0...8).first { d in
            let scaled = step * pow(10, Double(d))
            return abs(scaled - scaled.rounded()) <= 1e-6 * max(1, scaled)
        } ?? 8
    }

    static func fixed(_ value: Double, decimals: Int) -> String {
        let text = String(format: "%.\(decimals)f", value)
        // "-0.00" reads as a bug.
        return text.hasPrefix("-") && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) ? String(text.dropFirst()) : text
    }

    /// Without trailing zeros after a decimal point, nor the point itself.
    static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var result = Substring(text)
        while result.hasSuffix("0") { result = result.dropLast() }
        return String(result.hasSuffix(".") ? result.dropLast() : result)
    }
}
