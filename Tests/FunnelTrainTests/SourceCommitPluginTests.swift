import Foundation
import Testing

/// The `SourceCommit` plugin, which names the commit a binary was built from (`funnel --version`, every
/// run's record), follows commits and edits in incremental builds: it runs in a small package of its
/// own, built by SwiftPM after each change. As a prebuild command it kept the old commit after an
/// edit, and after a commit when SwiftPM did not plan the build anew.
@Suite struct SourceCommitPluginTests {
    @Test(arguments: ["debug", "release"]) func followsCommitsAndEditsInIncrementalBuilds(configuration: String) throws {
        let git = try #require(findExecutable("git"), "git on the PATH"), swift = try #require(findExecutable("swift"), "swift on the PATH")
        let package = try makeTemporaryDirectory("source-commit-\(configuration)")
        defer { try? FileManager.default.removeItem(at: package) }
        let plugin = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Plugins/SourceCommit/SourceCommit.swift")
        try FileManager.default.createDirectory(at: package.appendingPathComponent("Plugins/SourceCommit"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: package.appendingPathComponent("Sources/show"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: plugin, to: package.appendingPathComponent("Plugins/SourceCommit/SourceCommit.swift"))
        try """
            // swift-tools-version: 6.0
            import PackageDescription
            let package = Package(name: "SourceCommitCheck", targets: [
                .executableTarget(name: "show", plugins: ["SourceCommit"]),
                .plugin(name: "SourceCommit", capability: .buildTool()),
            ])
            """.write(to: package.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        let main = package.appendingPathComponent("Sources/show/main.swift")
        try "print(sourceCommitAtBuild ?? \"none\")\n".write(to: main, atomically: true, encoding: .utf8)

        func run(_ executable: String, _ arguments: [String]) throws -> String {
            let result = try ChildProcess.run(executable, arguments)
            try #require(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stdout)\(result.stderr)")
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func commit(_ message: String) throws {
            _ = try run(git, ["-C", package.path, "add", "-A"])
            _ = try run(git, ["-C", package.path, "-c", "user.name=funnel", "-c", "user.email=funnel@localhost", "commit", "-q", "--allow-empty",
                              "-m", message])
        }
        func head() throws -> String { try run(git, ["-C", package.path, "rev-parse", "--short=12", "HEAD"]) }
        func built() throws -> String {
            _ = try run(swift, ["build", "--package-path", package.path, "-c", configuration, "--product", "show"])
            return try run(package.appendingPathComponent(".build/\(configuration)/show").path, [])
        }

        _ = try run(git, ["init", "-q", package.path])
        try commit("first")
        #expect(try built() == head())
        try commit("second, sources unchanged")
        #expect(try built() == head())
        try "print(sourceCommitAtBuild ?? \"none\") // edited\n".write(to: main, atomically: true, encoding: .utf8)
        #expect(try built() == head() + "-dirty")
        try commit("the edit")
        #expect(try built() == head())
    }
}
