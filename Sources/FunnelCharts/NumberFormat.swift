import Foundation

/// How numbers are written on axes, in labels and in tables.
///
/// Output is plain ASCII (`-` for minus, `e` for exponents) and deterministic. Axis labels pass a
/// tick step so every label on one axis gets the same number of decimals.
public enum NumberFormat: Sendable, Hashable {
    /// Plain decimals for ordinary magnitudes, `1e-4` below 0.001, SI suffixes (`120k`, `3.9G`)
    /// from 100,000 up.
    case auto
    /// A fixed number of decimals: `.fixed(2)` writes 0.5 as `0.50`.
    case fixed(Int)
    /// A fraction as a percentage: 0.253 is `25.3%`. `nil` decimals: from the tick step, or up to
    /// one decimal with trailing zeros dropped for a single value.
    case percent(Int?)
    /// SI suffixes k, M, G, T: 3.86e9 is `3.86G`, 1.2e6 `1.2M`. `nil` decimals: as needed.
    case si(Int?)
    /// Mantissa and decimal exponent: 0.00015 is `1.5e-4`.
    case scientific(Int?)

    /// Formats one value.
    public func string(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf") }
        switch self {
        case .auto:
            let magnitude = abs(value)
            if magnitude == 0 { return "0" }
            if magnitude >= 1e5 { return NumberFormat.siString(value, decimals: nil) }
            if magnitude < 1e-3 { return NumberFormat.scientificString(value, decimals: nil) }
            let exponent = Int(floor(log10(magnitude)))
            let decimals = min(max(0, 3 - exponent), 6)
            return NumberFormat.trimmed(NumberFormat.fixedString(value, decimals: decimals))
        case let .fixed(decimals):
            return NumberFormat.fixedString(value, decimals: max(0, decimals))
        case let .percent(decimals):
            if let decimals { return NumberFormat.fixedString(value * 100, decimals: max(0, decimals)) + "%" }
            return NumberFormat.trimmed(NumberFormat.fixedString(value * 100, decimals: 1)) + "%"
        case let .si(decimals):
            return NumberFormat.siString(value, decimals: decimals)
        case let .scientific(decimals):
            return NumberFormat.scientificString(value, decimals: decimals)
        }
    }

    /// Formats the ticks of one axis, whose spacing is `step`, with one consistent precision.
    public func labels(_ ticks: [Double], step: Double) -> [String] {
        let maxMagnitude = ticks.map { abs($0) }.max() ?? 0
        switch self {
        case .auto:
            if maxMagnitude >= 1e5 {
                let unit = NumberFormat.siUnit(for: maxMagnitude)
                let decimals = NumberFormat.decimalsNeeded(step / unit.scale)
                return ticks.map { NumberFormat.siString($0, decimals: decimals, unit: unit) }
            }
            let decimals = NumberFormat.decimalsNeeded(step)
            if decimals >= 4 {
                let stepExponent = Int(floor(log10(step) + 1e-9))
                return ticks.map { tick in
                    if abs(tick) < step * 1e-6 { return "0" }
                    let exponent = Int(floor(log10(abs(tick)) + 1e-9))
                    return NumberFormat.scientificString(tick, decimals: max(0, exponent - stepExponent), trim: true)
                }
            }
            return ticks.map { NumberFormat.fixedString($0, decimals: decimals) }
        case .percent(nil):
            let decimals = NumberFormat.decimalsNeeded(step * 100)
            return ticks.map { NumberFormat.fixedString($0 * 100, decimals: decimals) + "%" }
        case .si(nil):
            let unit = NumberFormat.siUnit(for: maxMagnitude)
            let decimals = NumberFormat.decimalsNeeded(step / unit.scale)
            return ticks.map { NumberFormat.siString($0, decimals: decimals, unit: unit) }
        default:
            return ticks.map(string)
        }
    }

    // MARK: - Pieces

    /// Fewest decimals (0...8) that write `step` exactly, e.g. 0.25 needs 2, 5 needs 0.
    static func decimalsNeeded(_ step: Double) -> Int {
        guard step.isFinite, step > 0 else { return 2 }
        for decimals in 0...8 {
            let scaled = step * pow(10, Double(decimals))
            if abs(scaled - scaled.rounded()) <= 1e-6 * max(1, scaled) { return decimals }
        }
        return 8
    }

    static func fixedString(_ value: Double, decimals: Int) -> String {
        let text = String(format: "%.\(decimals)f", value)
        // "-0.00" reads as a bug.
        if text.hasPrefix("-"), text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) {
            return String(text.dropFirst())
        }
        return text
    }

    /// Drops trailing zeros after a decimal point, and the point itself.
    static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var result = Substring(text)
        while result.hasSuffix("0") { result = result.dropLast() }
        if result.hasSuffix(".") { result = result.dropLast() }
        return String(result)
    }

    static func scientificString(_ value: Double, decimals: Int?, trim: Bool = false) -> String {
        if value == 0 { return "0" }
        var exponent = Int(floor(log10(abs(value))))
        let places = decimals ?? 2
        var mantissa = value / pow(10, Double(exponent))
        // Rounding can carry the mantissa to 10 (9.996e-5 -> 10.00e-5).
        let factor = pow(10, Double(places))
        if abs((mantissa * factor).rounded() / factor) >= 10 {
            exponent += 1
            mantissa = value / pow(10, Double(exponent))
        }
        var text = fixedString(mantissa, decimals: places)
        if decimals == nil || trim { text = trimmed(text) }
        return text + "e" + String(exponent)
    }

    struct SIUnit {
        var scale: Double
        var suffix: String
    }

    static func siUnit(for magnitude: Double) -> SIUnit {
        if magnitude >= 1e12 { return SIUnit(scale: 1e12, suffix: "T") }
        if magnitude >= 1e9 { return SIUnit(scale: 1e9, suffix: "G") }
        if magnitude >= 1e6 { return SIUnit(scale: 1e6, suffix: "M") }
        if magnitude >= 1e3 { return SIUnit(scale: 1e3, suffix: "k") }
        return SIUnit(scale: 1, suffix: "")
    }

    static func siString(_ value: Double, decimals: Int?, unit: SIUnit? = nil) -> String {
        if value == 0 { return "0" }
        var chosen = unit ?? siUnit(for: abs(value))
        if let decimals {
            return fixedString(value / chosen.scale, decimals: decimals) + chosen.suffix
        }
        // Three significant digits, trailing zeros dropped: 3.86G, 25.5M, 120k.
        var scaled = value / chosen.scale
        var exponent = Int(floor(log10(abs(scaled))))
        var text = trimmed(fixedString(scaled, decimals: max(0, 2 - exponent)))
        if unit == nil, abs(Double(text) ?? 0) >= 1000, chosen.scale < 1e12 {
            // 999.96k rounds to 1000k: move to the next unit.
            chosen = siUnit(for: abs(value) * 1.001)
            scaled = value / chosen.scale
            exponent = Int(floor(log10(abs(scaled))))
            text = trimmed(fixedString(scaled, decimals: max(0, 2 - exponent)))
        }
        return text + chosen.suffix
    }
}
