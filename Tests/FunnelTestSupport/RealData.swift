import Foundation

/// The real data sets in `../shared/datasets` (never committed to the repository).
public enum RealData {
    public static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("../shared/datasets").standardizedFileURL.path

    public static func path(_ name: String) -> String { folder + "/" + name }

    /// Whether the test of `name` runs: when the file is there, and always on CI (`CI=true`), where
    /// a missing file must fail rather than skip.
    public static func shouldRun(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: path(name)) || TestServices.isCI
    }
}
