import Foundation

/// A fresh, empty directory under the system temporary directory; the caller removes it.
func makeTemporaryDirectory(_ label: String = #function) throws -> URL {
    let name = "funnel-\(label.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString.prefix(8))"
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The full path of `program` found on PATH, or nil.
func findExecutable(_ program: String) -> String? {
    let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    return paths.map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// What a finished child process said.
struct ProcessOutput {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Starts `executable` with `arguments`, feeding it `input` on stdin. Call `wait()` on the
/// returned handle to collect its output; starting several before waiting runs them concurrently.
final class ChildProcess: @unchecked Sendable {
    private let process = Process()
    private let stdout = Pipe()
    private let stderr = Pipe()
    private var output = Data()
    private var errors = Data()
    private let group = DispatchGroup()

    init(_ executable: String, _ arguments: [String], input: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = stdout
        process.standardError = stderr
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        // Drain both pipes and feed stdin on threads of their own (not GCD's global queue, whose
        // few threads these blocking calls would exhaust): a child that blocks on something this
        // process holds stops reading, and a large input must not block the caller meanwhile.
        let stdoutReader = stdout.fileHandleForReading, stderrReader = stderr.fileHandleForReading
        let stdinWriter = stdin.fileHandleForWriting
        onThread { self.output = stdoutReader.readDataToEndOfFile() }
        onThread { self.errors = stderrReader.readDataToEndOfFile() }
        onThread {
            if let input { stdinWriter.write(Data(input.utf8)) }
            try? stdinWriter.close()
        }
    }

    private func onThread(_ body: @escaping @Sendable () -> Void) {
        group.enter()
        Thread {
            body()
            self.group.leave()
        }.start()
    }

    func wait() -> ProcessOutput {
        process.waitUntilExit()
        group.wait()
        return ProcessOutput(status: process.terminationStatus,
                             stdout: String(decoding: output, as: UTF8.self),
                             stderr: String(decoding: errors, as: UTF8.self))
    }

    /// Runs to completion.
    static func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> ProcessOutput {
        try ChildProcess(executable, arguments, input: input).wait()
    }
}

/// Runs `body(i)` for i in 0..<count on `count` separate threads at once (not the cooperative
/// pool, which has only as many threads as cores) and returns the results in order.
func onThreads<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
    try ThreadGroup(count, body).join()
}

/// `count` threads started at once, each running `body(i)`; `join()` waits for all of them.
final class ThreadGroup<T: Sendable>: @unchecked Sendable {
    private var results: [Result<T, any Error>?]
    private let lock = NSLock()
    private let group = DispatchGroup()

    init(_ count: Int, _ body: @escaping @Sendable (Int) throws -> T) {
        results = Array(repeating: nil, count: count)
        for i in 0..<count {
            group.enter()
            Thread {
                let result = Result { try body(i) }
                self.lock.lock()
                self.results[i] = result
                self.lock.unlock()
                self.group.leave()
            }.start()
        }
    }

    /// Waits for every thread and returns their results in order, rethrowing the first error.
    func join() throws -> [T] {
        group.wait()
        return try results.map { try $0!.get() }
    }
}
