import Foundation
import Testing
@testable import FunnelData

@Suite struct CacheTests {
    let fixture = FolderFixture()

    /// Loads `source` with the cache in `cacheFolder`, returning the splits and the cache status.
    func load(_ source: String, cache: CacheLocation) throws -> (Splits, CacheStatus?) {
        var report: LoadReport?
        let splits = try DatasetLoader.load(source, options: .init(cache: cache), report: { report = $0 })
        return (splits, report?.cache)
    }

    @Test func secondLoadReadsTheCache() throws {
        let folder = try TemporaryFolder()
        let archive = try folder.write("pets.tar.gz", Encode.gzip(Encode.tar(fixture.tarItems(top: "pets"))))
        let (first, firstStatus) = try load(archive, cache: .directory(folder("cache")))
        guard case .written(let path) = firstStatus else { Issue.record("first load: \(String(describing: firstStatus))"); return }
        #expect(path.hasPrefix(folder("cache") + "/pets.tar.gz-") && path.hasSuffix(".funnel-cache"))
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder("cache")) == [(path as NSString).lastPathComponent],
                "no temporary file left behind")

        // The archive is now unreadable garbage of the same size and time: only the cache can answer.
        var original = stat()
        #expect(stat(archive, &original) == 0)
        try Data(repeating: 0x55, count: Int(original.st_size)).write(to: URL(fileURLWithPath: archive))
        var times = [original.st_atim, original.st_mtim]
        #expect(utimensat(AT_FDCWD, archive, &times, 0) == 0)
        let (second, secondStatus) = try load(archive, cache: .directory(folder("cache")))
        #expect(secondStatus == .hit(path))
        #expect(second == first)
        #expect(second.train.pixels == fixture.pixels(split: "train"))
    }

    @Test func corruptCacheIsRebuilt() throws {
        let folder = try TemporaryFolder()
        try fixture.write(to: folder, under: "pets")
        let (first, status) = try load(folder("pets"), cache: .automatic)
        // The source's folder is writable, so the cache sits beside it.
        let path = folder("pets.funnel-cache")
        #expect(status == .written(path))

        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 5] ^= 0xFF // a pixel of the last test image
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let (second, rebuilt) = try load(folder("pets"), cache: .automatic)
        #expect(rebuilt == .rebuilt(path, reason: "payload checksum mismatch"))
        #expect(second == first)
        #expect(try load(folder("pets"), cache: .automatic).1 == .hit(path))

        try Data(bytes.prefix(100)).write(to: URL(fileURLWithPath: path))
        guard case .rebuilt(_, let reason)? = try load(folder("pets"), cache: .automatic).1 else { Issue.record("truncated cache was used"); return }
        #expect(reason.hasPrefix("file is 100 bytes"), Comment(rawValue: reason))
        #expect(try load(folder("pets"), cache: .automatic).0 == first)
    }

    @Test func changedSourceMakesTheCacheStale() throws {
        let folder = try TemporaryFolder()
        try fixture.write(to: folder, under: "pets")
        let cache = CacheLocation.directory(folder("cache"))
        _ = try load(folder("pets"), cache: cache)
        let changed = TestImage.pattern(width: fixture.width, height: fixture.height, seed: 999)
        try folder.write("pets/test/dog/0001.png", Encode.png(changed))
        let (splits, status) = try load(folder("pets"), cache: cache)
        guard case .rebuilt(_, let reason)? = status else { Issue.record("stale cache was used: \(String(describing: status))"); return }
        #expect(reason.hasPrefix("source changed"))
        #expect(Array(splits.test.image(splits.test.count - 1)) == changed.pixels)
    }

    @Test func disabledCacheWritesNothing() throws {
        let folder = try TemporaryFolder()
        try fixture.write(to: folder, under: "pets")
        #expect(try load(folder("pets"), cache: .disabled).1 == .disabled)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["pets"])
    }

    /// Beside the source unless its folder is read-only (as `../shared` is), even for root.
    @Test func automaticLocationAvoidsReadOnlyFolders() throws {
        let folder = try TemporaryFolder()
        let source = try folder.write("shared/data.tar", [0])
        let beside = DecodeCache(source: source, fingerprint: "f", location: .automatic)
        #expect(beside?.path == folder("shared/data.tar.funnel-cache"))
        #expect(chmod(folder("shared"), 0o555) == 0)
        defer { chmod(folder("shared"), 0o755) }
        let elsewhere = try #require(DecodeCache(source: source, fingerprint: "f", location: .automatic))
        #expect(!elsewhere.path.hasPrefix(folder("shared")))
        #expect(elsewhere.path.contains("/funnel/data.tar-") && elsewhere.path.hasSuffix(".funnel-cache"), Comment(rawValue: elsewhere.path))
        #expect(DecodeCache(source: source, fingerprint: "f", location: .disabled) == nil)
    }
}
