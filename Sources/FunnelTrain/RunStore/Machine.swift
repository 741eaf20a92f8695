import Foundation

/// The computer a run ran on, recorded so that timings from different machines are not mixed up.
public struct Machine: Codable, Equatable, Sendable {
    /// Host name.
    public var host: String
    /// CPU model, e.g. "AMD EPYC 7B13".
    public var cpu: String
    /// Threads the run used (by default the active processor count).
    public var threads: Int

    /// A machine description.
    public init(host: String, cpu: String, threads: Int) {
        self.host = host
        self.cpu = cpu
        self.threads = threads
    }

    /// This computer, with `threads` defaulting to the number of active processors.
    public static func current(threads: Int? = nil) -> Machine {
        Machine(host: ProcessInfo.processInfo.hostName,
                cpu: cpuModel(),
                threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    /// The CPU model from /proc/cpuinfo (Linux), or the architecture where that is unavailable.
    private static func cpuModel() -> String {
        if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let colon = line.firstIndex(of: ":") {
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        #if arch(arm64)
        return "arm64"
        #else
        return "x86_64"
        #endif
    }
}
