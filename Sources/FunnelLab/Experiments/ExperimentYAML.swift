import Foundation
import Yams

/// Writes an experiment as YAML (presets are saved next to their runs, so workers and later
/// readers see exactly what ran).
public enum ExperimentYAML {
    public static func write(_ spec: ExperimentSpec, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try YAMLEncoder().encode(spec).write(to: url, atomically: true, encoding: .utf8)
    }
}
