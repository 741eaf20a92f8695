import Foundation

extension StudyAnalysis {
    /// `report.html` -> `report-analysis.json` beside it.
    public static func file(for page: URL) -> URL {
        page.deletingPathExtension().deletingLastPathComponent()
            .appendingPathComponent(page.deletingPathExtension().lastPathComponent + "-analysis.json")
    }

    /// The analysis as JSON: pretty-printed with sorted keys, so that one analysis always gives
    /// the same bytes; dates in ISO 8601, infinities and NaN as strings (JSON has no such numbers).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: Self.infinity, negativeInfinity: "-" + Self.infinity, nan: Self.nan)
        return try encoder.encode(self)
    }

    /// Writes ``json()`` to `url`.
    public func write(to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try json().write(to: url, options: .atomic)
    }

    /// Reads an analysis that ``json()`` wrote.
    /// - Parameter file: named in errors.
    /// - Throws: `AnalysisFileError` naming the file, the field, what was expected and what was found.
    public init(json: Data, file: String) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: Self.infinity, negativeInfinity: "-" + Self.infinity, nan: Self.nan)
        // The version first: a file of another layout fails on its version, not on some field.
        let version: Int?
        do {
            version = try decoder.decode(Version.self, from: json).formatVersion
        } catch {
            throw AnalysisFileError(file: file, error: error, json: json)
        }
        if let version, version != Self.formatVersion {
            throw AnalysisFileError(file: file, field: "formatVersion", problem: "expected \(Self.formatVersion), found \(version) (written by another version of funnel)")
        }
        do {
            self = try decoder.decode(StudyAnalysis.self, from: json)
        } catch {
            throw AnalysisFileError(file: file, error: error, json: json)
        }
        if let (field, problem) = inconsistency() {
            throw AnalysisFileError(file: file, field: field, problem: problem)
        }
    }

    /// Reads the analysis in `url`.
    public static func load(from url: URL) throws -> StudyAnalysis {
        let json: Data
        do { json = try Data(contentsOf: url) } catch {
            throw AnalysisFileError(file: url.path, field: nil, problem: "cannot be read (\(error.localizedDescription))")
        }
        return try StudyAnalysis(json: json, file: url.path)
    }

    private static let infinity = "Infinity"
    private static let nan = "NaN"

    /// Just the version of a file.
    private struct Version: Decodable {
        let formatVersion: Int?
    }
}

/// A study analysis file that cannot be read: which file, which field, what was expected and
/// what was found.
public struct AnalysisFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String
    /// The field's path, e.g. `results[0].entries[2].top1.mean`; nil for the file as a whole.
    public let field: String?
    public let problem: String

    public init(file: String, field: String?, problem: String) {
        self.file = file
        self.field = field
        self.problem = problem
    }

    public var description: String {
        "[report] \(file): " + (field.map { "field \($0): " } ?? "") + problem
    }

    /// Describes a decoding error, looking up what the file holds at the failing field.
    init(file: String, error: Error, json: Data) {
        let document = try? JSONDecoder().decode(JSONValue.self, from: json)
        func found(_ path: [CodingKey]) -> String {
            document.map { $0.value(at: path)?.description ?? "nothing" } ?? "something else"
        }
        switch error as? DecodingError {
        case let .typeMismatch(type, context)?:
            self.init(file: file, field: Self.path(context.codingPath), problem: "expected \(Self.kind(type)), found \(found(context.codingPath))")
        case let .valueNotFound(type, context)?:
            self.init(file: file, field: Self.path(context.codingPath), problem: "expected \(Self.kind(type)), found null")
        case let .keyNotFound(key, context)?:
            self.init(file: file, field: Self.path(context.codingPath + [key]), problem: "missing (expected in \(Self.path(context.codingPath) ?? "the top-level object"))")
        case let .dataCorrupted(context)?:
            if document == nil {
                self.init(file: file, field: nil, problem: "not JSON (\(Self.underlying(context)))")
            } else {
                // The checks of this module say what they found; Foundation's do not.
                let problem = context.debugDescription.contains("found") ? context.debugDescription
                    : "\(context.debugDescription); found \(found(context.codingPath))"
                self.init(file: file, field: Self.path(context.codingPath), problem: problem)
            }
        default:
            self.init(file: file, field: nil, problem: "\(error)")
        }
    }

    /// `results[0].entries[2].top1`.
    static func path(_ keys: [CodingKey]) -> String? {
        guard !keys.isEmpty else { return nil }
        var out = ""
        for key in keys {
            // Array positions are keys named "Index n".
            if let index = key.intValue, key.stringValue.hasPrefix("Index ") {
                out += "[\(index)]"
            } else {
                out += (out.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return out
    }

    /// What a type is in JSON's words.
    static func kind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is Data.Type: "a base64 string"
        case is Date.Type: "an ISO 8601 date"
        default:
            String(describing: type).contains("Array") ? "an array" : (String(describing: type).contains("Dictionary") ? "an object" : "\(type)")
        }
    }

    /// The parser's own message for a file that is not JSON.
    static func underlying(_ context: DecodingError.Context) -> String {
        if let error = context.underlyingError as NSError? {
            return error.userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
        }
        return context.debugDescription
    }
}

/// Any JSON value, to say what a file holds where decoding failed.
private enum JSONValue: Decodable, CustomStringConvertible {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// The value at `path` (nil: none).
    func value(at path: [CodingKey]) -> JSONValue? {
        var current = self
        for key in path {
            switch current {
            case let .array(items):
                guard let index = key.intValue, items.indices.contains(index) else { return nil }
                current = items[index]
            case let .object(members):
                guard let member = members[key.stringValue] else { return nil }
                current = member
            default:
                return nil
            }
        }
        return current
    }

    /// `a string ("abc")`, `a number (3)`, `an array of 2`.
    var description: String {
        switch self {
        case .null: "null"
        case let .bool(b): "\(b)"
        case let .number(n): "a number (\(n == n.rounded() && abs(n) < 1e15 ? "\(Int(n))" : "\(n)"))"
        case let .string(s): "a string (\"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\")"
        case let .array(items): "an array of \(items.count)"
        case let .object(members): "an object with \(members.count) field\(members.count == 1 ? "" : "s")"
        }
    }
}
