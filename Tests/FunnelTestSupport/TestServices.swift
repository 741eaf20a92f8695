import Foundation

/// The services `test.sh` starts for the tests (see `scripts/test-services.sh`): a throwaway
/// PostgreSQL server, a one-node Slurm cluster and network namespaces standing in for machines.
///
/// A test that needs one is enabled when it is there or when `CI=true`: under CI a missing
/// service fails the test (through `require`) instead of skipping it.
public enum TestServices {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Whether this is a CI run, where every service must be present.
    public static var isCI: Bool { environment["CI"] == "true" }

    /// The PostgreSQL server's URL on loopback, e.g. `postgres://postgres@127.0.0.1:55432/postgres`.
    public static var postgres: String? { environment["FUNNEL_TEST_POSTGRES"] }

    /// The same server's URL as the namespaces reach it, over the bridge.
    public static var postgresBridge: String? { environment["FUNNEL_TEST_POSTGRES_BRIDGE"] }

    /// The network namespaces ("machines") workers can run in.
    public static var namespaces: [String] { (environment["FUNNEL_TEST_NETNS"] ?? "").split(separator: " ").map(String.init) }

    /// Whether the one-node Slurm cluster is up (`SLURM_CONF` points at its configuration).
    public static var slurm: Bool { environment["FUNNEL_TEST_SLURM"] == "1" }

    /// The Python with torch, onnx, onnxruntime and tensorboard that `test.sh` made
    /// (`scripts/python-env.sh`).
    public static var python: String? { environment["FUNNEL_TEST_PYTHON"] }

    /// Whether tests against the Python tools should run (they are there, or CI demands them).
    public static var runPython: Bool { python != nil || isCI }

    /// Runs `script` with the tests' Python and `arguments` as `sys.argv[1...]`.
    /// - Returns: the exit status, standard output and standard error apart (JSON on stdout stays parseable).
    public static func python(_ script: String, _ arguments: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
        let interpreter = try require(python, "the Python environment ($FUNNEL_TEST_PYTHON, from scripts/python-env.sh)")
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("funnel-python-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: interpreter)
        process.arguments = ["-c", script] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), (try? String(contentsOf: errors, encoding: .utf8)) ?? "")
    }

    /// Whether tests of PostgreSQL should run (it is up, or CI demands it).
    public static var runPostgres: Bool { postgres != nil || isCI }
    /// Whether tests of several machines should run.
    public static var runCluster: Bool { (postgresBridge != nil && namespaces.count >= 2) || isCI }
    /// Whether tests of Slurm should run.
    public static var runSlurm: Bool { (slurm && postgres != nil) || isCI }

    /// `value`, or an error saying which service is missing (for CI, where tests run regardless).
    public static func require<T>(_ value: T?, _ what: String) throws -> T {
        guard let value else { throw ServiceMissing(what: what) }
        return value
    }

    public struct ServiceMissing: Error, CustomStringConvertible {
        public let what: String
        public init(what: String) { self.what = what }
        public var description: String { "\(what) is not available: run the tests through ./test.sh, which starts it" }
    }

    /// A fresh, empty database on the test server, dropped by `drop()`.
    public final class PostgresDatabase: @unchecked Sendable {
        /// Its URL on loopback.
        public let url: String
        /// Its URL over the bridge, for workers in namespaces.
        public let bridgeURL: String?
        let name: String
        let admin: String

        public init(_ label: String = #function) throws {
            let admin = try TestServices.require(TestServices.postgres, "PostgreSQL ($FUNNEL_TEST_POSTGRES)")
            let name = "funnel_" + label.lowercased().filter { $0.isLetter || $0.isNumber }.prefix(30) + "_" + UUID().uuidString.prefix(8).lowercased()
            try TestServices.psql(admin, "CREATE DATABASE \(name)")
            self.admin = admin
            self.name = name
            url = Self.replacingDatabase(admin, with: name)
            bridgeURL = TestServices.postgresBridge.map { Self.replacingDatabase($0, with: name) }
        }

        /// Drops the database, ending any connection still open to it.
        public func drop() {
            try? TestServices.psql(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }

        static func replacingDatabase(_ url: String, with name: String) -> String {
            var components = URLComponents(string: url)!
            components.path = "/" + name
            return components.string!
        }
    }

    /// Runs one SQL command with `psql` against `url`.
    public static func psql(_ url: String, _ sql: String) throws {
        let result = try command("psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql)
        guard result.status == 0 else { throw ServiceMissing(what: "psql '\(sql)' failed: \(result.output)") }
    }

    /// Runs a program found on PATH and returns its exit status and output (stdout, then stderr).
    @discardableResult
    public static func command(_ arguments: String...) throws -> (status: Int32, output: String) {
        try command(arguments)
    }

    /// `command` with its arguments in an array.
    @discardableResult
    public static func command(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try commandOutputs(arguments)
        return (result.status, String(decoding: result.stdout + result.stderr, as: UTF8.self))
    }

    /// `command` with standard output and standard error apart: for a program that prints JSON on
    /// one and its progress on the other.
    public static func commandOutputs(_ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, stdout, stderr)
    }
}
