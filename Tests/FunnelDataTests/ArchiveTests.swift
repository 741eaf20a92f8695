import Foundation
import Testing
@testable import FunnelData

@Suite struct ArchiveTests {
    let files: [(String, [UInt8])] = [
        ("top/a.txt", Array("first file\n".utf8)),
        ("top/sub/b.bin", (0..<1500).map { UInt8($0 % 251) }), // spans several 512-byte blocks
        ("top/sub/empty.txt", []),
    ]

    var items: [Encode.TarItem] {
        [.folder("top"), .folder("top/sub"), .folder("top/none")] + files.map { .file($0.0, $0.1) }
    }

    func checkTree(_ tree: FileTree) throws {
        #expect(tree.files == files.map(\.0).sorted())
        for (name, bytes) in files { #expect(try tree.contents(name) == bytes, "\(name)") }
        #expect(tree.directories == ["", "top", "top/sub", "top/none"])
        #expect(tree.subdirectories(of: "top") == ["none", "sub"])
        #expect(tree.files(in: "top/sub") == ["b.bin", "empty.txt"])
    }

    @Test func readsTar() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("a.tar", Encode.tar(items))
        let tree = try FileTree.open(path)
        #expect(tree.container == .tar)
        try checkTree(tree)
        #expect(tree.displayName("top/a.txt") == path + ":top/a.txt")
    }

    @Test func readsTarGzipAndConcatenatedMembers() throws {
        let folder = try TemporaryFolder()
        let tar = Encode.tar(items)
        try checkTree(try FileTree.open(folder.write("a.tar.gz", Encode.gzip(tar))))
        // Two gzip members, split mid-block: still one stream.
        let split = 700
        let path = try folder.write("b.tgz", Encode.gzip(Array(tar[..<split])) + Encode.gzip(Array(tar[split...])))
        let tree = try FileTree.open(path)
        #expect(tree.container == .tarGzip)
        try checkTree(tree)
    }

    @Test func readsPaxAndGNULongPaths() throws {
        let long = String(repeating: "d", count: 120) + "/image.txt"
        let record = " path=\(long)\n" // preceded by the record's length in decimal, itself included
        let pax = Array("\(record.utf8.count + 3)\(record)".utf8)
        let items: [UInt8] = Encode.tarHeader(name: "PaxHeader", size: pax.count, type: "x") + pax
            + [UInt8](repeating: 0, count: 512 - pax.count) + Encode.tarHeader(name: "short-name", size: 3, type: "0") + Array("abc".utf8)
            + [UInt8](repeating: 0, count: 509)
        let gnuName = Array((long.replacingOccurrences(of: "image", with: "image2") + "\0").utf8)
        let gnu: [UInt8] = Encode.tarHeader(name: "././@LongLink", size: gnuName.count, type: "L") + gnuName
            + [UInt8](repeating: 0, count: 512 - gnuName.count) + Encode.tarHeader(name: "other", size: 2, type: "0") + Array("xy".utf8)
            + [UInt8](repeating: 0, count: 510)
        let folder = try TemporaryFolder()
        let tree = try FileTree.open(folder.write("long.tar", items + gnu + [UInt8](repeating: 0, count: 1024)))
        let long2 = long.replacingOccurrences(of: "image", with: "image2")
        #expect(tree.files == [long, long2])
        #expect(try tree.contents(long) == Array("abc".utf8))
        #expect(try tree.contents(long2) == Array("xy".utf8))
    }

    @Test func badHeaderChecksumNamesTheArchive() throws {
        var tar = Encode.tar(items)
        tar[512 + 10] ^= 0x20 // inside the second header's name
        let folder = try TemporaryFolder()
        let path = try folder.write("bad.tar", tar)
        let error = dataError { _ = try FileTree.open(path) }
        #expect(error?.kind == .corrupt)
        #expect(error?.file == path)
        #expect(error?.problem.contains("the tar header at byte 512 has checksum field") == true, Comment(rawValue: error?.description ?? "no error"))
    }

    @Test func truncatedTarNamesTheEntry() throws {
        let tar = Encode.tar(items)
        let folder = try TemporaryFolder()
        // Headers: 3 folders, a.txt + its block, then b.bin's header; cut 100 bytes into b.bin.
        let path = try folder.write("cut.tar", Array(tar[..<(6 * 512 + 100)]))
        let error = dataError { _ = try FileTree.open(path) }
        #expect(error?.kind == .truncated)
        #expect(error?.file == path + ":top/sub/b.bin")
        #expect(error?.problem == "archive ends inside this entry: expected 1500 bytes, found 100")
    }

    @Test func truncatedGzipIsAnError() throws {
        let gz = Encode.gzip(Encode.tar(items))
        let folder = try TemporaryFolder()
        let path = try folder.write("cut.tar.gz", Array(gz[..<(gz.count - 12)]))
        let error = dataError { _ = try FileTree.open(path) }
        #expect(error?.kind == .truncated)
        #expect(error?.file == path)
        #expect(error?.problem.contains("gzip stream ends after \(gz.count - 12) compressed bytes") == true, Comment(rawValue: error?.description ?? "no error"))
    }

    @Test func corruptGzipIsAnError() throws {
        var gz = Encode.gzip(Encode.tar(items))
        for i in 20..<40 { gz[i] ^= 0x5A }
        let folder = try TemporaryFolder()
        let path = try folder.write("bad.tar.gz", gz)
        let error = dataError { _ = try FileTree.open(path) }
        #expect(error?.kind == .corrupt)
        #expect(error?.file == path)
        #expect(error?.problem.hasPrefix("bad gzip data") == true, Comment(rawValue: error?.description ?? "no error"))
    }

    @Test func gzipOfSomethingElseIsNotATar() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("notes.gz", Encode.gzip(Array(repeating: UInt8(ascii: "z"), count: 2000)))
        let error = dataError { _ = try FileTree.open(path) }
        #expect(error?.kind == .corrupt)
        #expect(error?.problem.contains("not a tar archive") == true, Comment(rawValue: error?.description ?? "no error"))
    }
}
