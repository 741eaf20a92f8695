/// Which Funnel this is: recorded with every run, so that a result names the code that made it.
public enum FunnelBuild {
    /// The git commit of the Funnel sources this binary was built from (12 hex digits, with
    /// "-dirty" when the sources differed from it), taken at build time by the `SourceCommit`
    /// plugin; nil when they were not a git checkout.
    public static let sourceCommit: String? = sourceCommitAtBuild

    /// The checkpoint metadata key that holds `sourceCommit`.
    public static let checkpointKey = "funnel.commit"

    /// `funnel --version`'s line.
    public static var description: String {
        "funnel, built from " + (sourceCommit.map { "commit \($0)" } ?? "sources outside git (no commit known)")
    }
}
