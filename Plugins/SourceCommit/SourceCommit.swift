import Foundation
import PackagePlugin

/// Writes the commit of the Funnel sources being built into the target as `sourceCommitAtBuild`,
/// so that a run records which Funnel trained it wherever the binary runs (the working directory's
/// repository, if any, is someone else's). A prebuild command, so that it runs before every build:
/// a commit or an edit since the last build changes the value. "-dirty" marks sources that differ
/// from the commit; nil: not built from a git checkout (an archive), or git is missing.
@main
struct SourceCommit: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("generated")
        return [.prebuildCommand(displayName: "Funnel source commit", executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", Self.script, "sh", context.package.directoryURL.path, output.path],
                                 outputFilesDirectory: output)]
    }

    /// $1: the package's folder, $2: where to write. The file is rewritten only when its text
    /// changes, so that an unchanged commit recompiles nothing. `git diff` and `ls-files` read the
    /// index without writing it (a build must not race the user's git commands for its lock).
    static let script = #"""
        root="$1"; mkdir -p "$2"; out="$2/SourceCommit.swift"
        value=nil
        if commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null); then
            if ! git -C "$root" diff --quiet HEAD -- Sources Package.swift 2>/dev/null \
               || [ -n "$(git -C "$root" ls-files --others --exclude-standard -- Sources 2>/dev/null)" ]; then
                commit="$commit-dirty"
            fi
            value="\"$commit\""
        fi
        text="// Generated before each build by Plugins/SourceCommit: the commit of the Funnel sources built.
        let sourceCommitAtBuild: String? = $value"
        if [ ! -f "$out" ] || [ "$(cat "$out")" != "$text" ]; then printf '%s\n' "$text" > "$out"; fi
        """#
}
