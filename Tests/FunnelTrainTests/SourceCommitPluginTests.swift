import Foundation
import Testing

/// The `SourceCommit` plugin, which names the commit a binary was built from (`funnel --version`, every
/// run's record), follows commits and edits in incremental builds: it runs in a small package of its
/// own, built by SwiftPM after each change, the changes less than a second apart. As a prebuild
/// command it kept the old commit after an edit, and after a commit when SwiftPM did not plan the
/// build anew; as a build command that rewrote its file at once, the Swift driver missed a rewrite
/// in the same second as the build before (two runs in three failed, three running side by side).
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

        /// The build names `expected`, else an issue with what it named instead.
        func expectBuilt(_ expected: String, _ step: String) throws {
            let named = try built()
            #expect(named == expected, "\(step): the build names \(named), expected \(expected)")
        }
        _ = try run(git, ["init", "-q", package.path])
        try commit("first")
        try expectBuilt(try head(), "the first commit")
        try commit("second, sources unchanged")
        try expectBuilt(try head(), "a second commit")
        try "print(sourceCommitAtBuild ?? \"none\") // edited\n".write(to: main, atomically: true, encoding: .utf8)
        try expectBuilt(try head() + "-dirty", "an edit")
        try commit("the edit")
        try expectBuilt(try head(), "the edit committed")
    }
}
