import Foundation

/// Where a run store lives, as `--store` and `FUNNEL_STORE` spell it:
/// `sqlite:PATH` (one machine; the default, `sqlite:<run dir>/runs.sqlite`) or
/// `postgres://user[:password]@host[:port]/database[?connect_timeout=S&timeout=S&retry=S]` (many machines).
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresURL)

    /// The environment variable read when `--store` is not given.
    public static let environmentVariable = "FUNNEL_STORE"

    /// Parses `sqlite:PATH`, `postgres://…` or `postgresql://…`.
    public init(parsing text: String) throws(RunStoreError) {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw .badLocation(text, reason: "no path after 'sqlite:'") }
            self = .sqlite(path: path)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(try PostgresURL(parsing: text))
        } else {
            throw .badLocation(text, reason: "expected sqlite:PATH or postgres://user@host:port/database")
        }
    }

    /// The store a command uses: `--store` if given, else `$FUNNEL_STORE`, else the SQLite file in
    /// the run directory.
    public static func resolve(_ option: String?, runDirectory: String,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws(RunStoreError) -> StoreLocation {
        if let option { return try StoreLocation(parsing: option) }
        if let variable = environment[environmentVariable], !variable.isEmpty {
            do { return try StoreLocation(parsing: variable) } catch {
                throw .badLocation(variable, reason: "(from $\(environmentVariable)) \(error.description)")
            }
        }
        return .sqlite(path: URL(fileURLWithPath: runDirectory).appendingPathComponent(RunStore.fileName).path)
    }

    /// The text `init(parsing:)` reads back (with the password, which `description` hides).
    public var argument: String {
        switch self {
        case let .sqlite(path): "sqlite:\(path)"
        case let .postgres(url): url.argument
        }
    }

    public var description: String {
        switch self {
        case let .sqlite(path): "sqlite:\(path)"
        case let .postgres(url): url.description
        }
    }

    /// A PostgreSQL connection URL and Funnel's connection settings.
    public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
        public var user: String
        public var password: String?
        public var host: String
        public var port: Int
        public var database: String
        /// Seconds to wait for a connection (`connect_timeout`, default 10).
        public var connectTimeout: TimeInterval = 10
        /// Seconds to wait for one statement's answer before treating the connection as lost (`timeout`, default 60).
        public var statementTimeout: TimeInterval = 60
        /// Seconds to keep reconnecting after a lost connection before failing (`retry`, default 600).
        public var retryFor: TimeInterval = 600

        init(parsing text: String) throws(RunStoreError) {
            guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
                throw .badLocation(text, reason: "not a URL of the form postgres://user@host:port/database")
            }
            user = components.user ?? "postgres"
            password = components.password
            self.host = host
            port = components.port ?? 5432
            let name = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
            database = name.isEmpty ? user : name
            for item in components.queryItems ?? [] {
                guard let value = item.value.flatMap(Double.init), value > 0 else {
                    throw .badLocation(text, reason: "'\(item.name)' expects a positive number of seconds, found '\(item.value ?? "")'")
                }
                switch item.name {
                case "connect_timeout": connectTimeout = value
                case "timeout": statementTimeout = value
                case "retry": retryFor = value
                default: throw .badLocation(text, reason: "unknown setting '\(item.name)' (known: connect_timeout, timeout, retry)")
                }
            }
        }

        var argument: String {
            var components = URLComponents()
            components.scheme = "postgres"
            components.user = user
            components.password = password
            components.host = host
            components.port = port
            components.path = "/" + database
            var items: [URLQueryItem] = []
            if connectTimeout != 10 { items.append(URLQueryItem(name: "connect_timeout", value: "\(connectTimeout)")) }
            if statementTimeout != 60 { items.append(URLQueryItem(name: "timeout", value: "\(statementTimeout)")) }
            if retryFor != 600 { items.append(URLQueryItem(name: "retry", value: "\(retryFor)")) }
            if !items.isEmpty { components.queryItems = items }
            return components.string ?? "postgres://\(user)@\(host):\(port)/\(database)"
        }

        public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }
    }
}
