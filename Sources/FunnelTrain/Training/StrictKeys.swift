import Foundation

/// A key a configuration does not know, with where it stood, the keys that are valid there, and
/// the closest of them (a typo such as `epocs` must be an error, not a silently ignored field).
public struct UnknownKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path to the mapping that holds the key (e.g. `recipe`), empty at the top level.
    public var path: [String]
    public var key: String
    public var valid: [String]

    /// The valid key closest to `key`, if one is close enough to be a likely typo.
    public var suggestion: String? { closestMatch(to: key, in: valid) }

    public var description: String {
        let place = path.isEmpty ? "at the top level" : "in '\(path.joined(separator: ".").replacingOccurrences(of: ".[", with: "["))'"
        return "unknown key '\(key)' \(place)" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
            + " (valid keys: \(valid.sorted().joined(separator: ", ")))"
    }
}

/// A coding key for any string, to list every key a mapping holds.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Throws `UnknownKeyError` when the mapping `decoder` reads holds a key outside `Keys`.
public func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ decoder: any Decoder, _ keys: Keys.Type) throws {
    let container = try decoder.container(keyedBy: AnyCodingKey.self)
    let valid = Keys.allCases.map(\.stringValue)
    for key in container.allKeys where !valid.contains(key.stringValue) {
        throw UnknownKeyError(path: decoder.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }, key: key.stringValue, valid: valid)
    }
}

/// The candidate with the smallest edit distance to `text`, when that distance is small for its
/// length (two edits, or a third of its length for longer ones, and at most 3).
public func closestMatch(to text: String, in candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(text.lowercased(), $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= min(3, max(2, text.count / 3)) else { return nil }
    return best.0
}

/// Levenshtein distance between two strings.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count), current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
