import Foundation

/// A value bound to, or read from, a run-store statement: the types both backends (SQLite and
/// PostgreSQL) share. Non-finite numbers are bound as NULL on both, since SQLite has no NaN.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case date(Date)
}

extension SQLValue: SQLColumnValue {
    public var sqlValue: SQLValue { self }
    public init?(sqlValue: SQLValue) { self = sqlValue }
}

/// A Swift type that travels to and from the run store's columns.
public protocol SQLColumnValue {
    /// The value to bind.
    var sqlValue: SQLValue { get }
    /// The value read back, or nil when the column holds something of another type.
    init?(sqlValue: SQLValue)
}

extension Int64: SQLColumnValue {
    public var sqlValue: SQLValue { .integer(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case let .integer(v): self = v
        case let .real(v) where v.rounded() == v: self = Int64(v)
        default: return nil
        }
    }
}

extension Int: SQLColumnValue {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public init?(sqlValue: SQLValue) {
        guard let v = Int64(sqlValue: sqlValue) else { return nil }
        self = Int(v)
    }
}

extension Double: SQLColumnValue {
    public var sqlValue: SQLValue { isFinite ? .real(self) : .null }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case let .real(v): self = v
        case let .integer(v): self = Double(v)
        default: return nil
        }
    }
}

extension String: SQLColumnValue {
    public var sqlValue: SQLValue { .text(self) }
    public init?(sqlValue: SQLValue) {
        guard case let .text(v) = sqlValue else { return nil }
        self = v
    }
}

extension Date: SQLColumnValue {
    public var sqlValue: SQLValue { .date(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case let .date(v): self = v
        // SQLite keeps dates as UTC text, written by GRDB or by `strftime('%Y-%m-%d %H:%M:%f')`.
        case let .text(v):
            guard let date = SQLiteDateText.parse(v) else { return nil }
            self = date
        default: return nil
        }
    }
}

extension Optional: SQLColumnValue where Wrapped: SQLColumnValue {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
    public init?(sqlValue: SQLValue) {
        if sqlValue == .null { self = .none; return }
        guard let v = Wrapped(sqlValue: sqlValue) else { return nil }
        self = .some(v)
    }
}

extension SQLColumnValue where Self: RawRepresentable, RawValue == String {
    public var sqlValue: SQLValue { .text(rawValue) }
    public init?(sqlValue: SQLValue) {
        guard case let .text(v) = sqlValue, let value = Self(rawValue: v) else { return nil }
        self = value
    }
}

/// SQLite's text form of a date: `yyyy-MM-dd HH:mm:ss.SSS` in UTC, as GRDB writes it and as
/// `strftime('%Y-%m-%d %H:%M:%f', 'now')` gives it, so that stored dates compare as text.
enum SQLiteDateText {
    static func parse(_ text: String) -> Date? {
        for formatter in formatters { if let date = formatter.date(from: text) { return date } }
        return nil
    }

    private static let formatters: [DateFormatter] = ["yyyy-MM-dd HH:mm:ss.SSS", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.SSS"].map {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = $0
        return f
    }
}

/// One row of a result, by column name.
public struct SQLRow: Sendable {
    let columns: [String: SQLValue]
    /// Where the row came from, for errors.
    let table: String

    /// The column's value as `T`.
    /// - Throws: `RunStoreError.badColumn` when the column is missing or of another type.
    public subscript<T: SQLColumnValue>(_ column: String) -> T {
        get throws {
            guard let raw = columns[column] else { throw RunStoreError.badColumn(table: table, column: column, expected: "\(T.self)", found: "no such column") }
            guard let value = T(sqlValue: raw) else { throw RunStoreError.badColumn(table: table, column: column, expected: "\(T.self)", found: "\(raw)") }
            return value
        }
    }
}
