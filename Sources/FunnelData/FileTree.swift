import CCodecs
import Foundation

/// The files of a dataset source by path relative to its root: a folder on disk, or a tar archive
/// (optionally gzip-compressed) read into memory in one pass.
///
/// Only files a dataset can use are kept (images, CIFAR `.bin` batches, `.txt` label lists);
/// hidden files are skipped. Reading contents is safe from many threads at once.
final class FileTree: @unchecked Sendable {
    /// File name endings (lower-cased) the tree keeps.
    static let keptExtensions: Set<String> = ["jpg", "jpeg", "png", "bin", "txt"]

    /// The source path as the user gave it.
    let location: String
    let container: DatasetContainer
    /// Relative paths of the kept files, sorted.
    let files: [String]
    /// Every folder's relative path (`""` is the root), including folders with no kept file.
    let directories: Set<String>
    /// Identifies this version of the source: its size and time for an archive; the sizes, times
    /// and names of the kept files for a folder. A cache built from another version is stale.
    let fingerprint: String

    private let arena: ByteArena?
    private let ranges: [String: Range<Int>]
    private let fileSet: Set<String>
    /// Folder -> names of the kept files directly in it, sorted.
    private let filesByFolder: [String: [String]]
    /// Folder -> names of the folders directly in it, sorted.
    private let foldersByFolder: [String: [String]]

    private init(location: String, container: DatasetContainer, files: [String], directories: Set<String>,
                 fingerprint: String, arena: ByteArena?, ranges: [String: Range<Int>]) {
        self.location = location
        self.container = container
        self.files = files
        self.directories = directories
        self.fingerprint = fingerprint
        self.arena = arena
        self.ranges = ranges
        fileSet = Set(files)
        var filesByFolder: [String: [String]] = [:]
        for file in files {
            let (folder, name) = splitPath(file)
            filesByFolder[folder, default: []].append(name)
        }
        self.filesByFolder = filesByFolder
        var foldersByFolder: [String: [String]] = [:]
        for folder in directories where !folder.isEmpty {
            let (parent, name) = splitPath(folder)
            foldersByFolder[parent, default: []].append(name)
        }
        self.foldersByFolder = foldersByFolder.mapValues { $0.sorted() }
    }

    /// What kind of container `path` is, from the file system and the file's first bytes;
    /// `nil` for a file that is neither a tar nor a gzip file.
    static func container(of path: String) throws -> DatasetContainer? {
        guard let status = FileStatus.of(path) else { throw DataError(.missing, file: path, "no such file or folder") }
        if status.isDirectory { return .directory }
        let stream = try FileStream(path: path)
        var head = [UInt8](repeating: 0, count: 512)
        let got = try head.withUnsafeMutableBytes { try stream.readFully(into: $0) }
        if got >= 2 && head[0] == 0x1F && head[1] == 0x8B { return .tarGzip }
        if got == 512 && head[257..<262].elementsEqual("ustar".utf8) { return .tar }
        return nil
    }

    /// The tree under `path`: a folder, a `.tar` or a gzip-compressed tar.
    /// - Throws: `DataError` `.unknownFormat` for any other file, or the archive's read errors.
    static func open(_ path: String) throws -> FileTree {
        switch try container(of: path) {
        case .directory: return try directory(path)
        case .tar: return try archive(path, stream: FileStream(path: path), container: .tar)
        case .tarGzip: return try archive(path, stream: GzipStream(FileStream(path: path), file: path), container: .tarGzip)
        case nil, .generated:
            throw DataError(.unknownFormat, file: path, "not a folder, a tar archive or a gzip file (starts with neither a gzip signature nor a tar header)")
        }
    }

    /// How errors name the file at `relative`: the full path, or `archive:entry` inside an archive.
    func displayName(_ relative: String) -> String {
        if relative.isEmpty { return location }
        return container == .directory ? (location as NSString).appendingPathComponent(relative) : "\(location):\(relative)"
    }

    /// Whether the tree has a kept file at `relative`.
    func contains(_ relative: String) -> Bool { fileSet.contains(relative) }

    /// The bytes of the file at `relative`, passed to `body` without copying where the tree is in
    /// memory; `scratch` is reused for files read from disk.
    func withContents<R>(_ relative: String, scratch: inout [UInt8], _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        if let arena {
            guard let range = ranges[relative] else { throw DataError(.missing, file: displayName(relative), "no such file") }
            return try body(arena.bytes(range))
        }
        let path = displayName(relative)
        let stream = try FileStream(path: path)
        let size = FileStatus.of(path)?.size ?? 0
        if scratch.count < size { scratch = [UInt8](repeating: 0, count: size) }
        let got = try scratch.withUnsafeMutableBytes { try stream.readFully(into: UnsafeMutableRawBufferPointer(rebasing: $0[..<size])) }
        return try scratch.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[..<got])) }
    }

    /// A copy of the file at `relative`.
    func contents(_ relative: String) throws -> [UInt8] {
        var scratch: [UInt8] = []
        return try withContents(relative, scratch: &scratch) { [UInt8]($0) }
    }

    /// Names of the kept files directly inside folder `relative`, sorted.
    func files(in relative: String) -> [String] { filesByFolder[relative] ?? [] }

    /// Names of the folders directly inside folder `relative`, sorted.
    func subdirectories(of relative: String) -> [String] { foldersByFolder[relative] ?? [] }

    private static func keeps(_ name: Substring) -> Bool {
        guard !name.hasPrefix("."), let dot = name.lastIndex(of: ".") else { return false }
        return keptExtensions.contains(name[name.index(after: dot)...].lowercased())
    }

    /// Adds `path`'s parent folders to `directories`.
    private static func addParents(of path: String, to directories: inout Set<String>) {
        var parent = Substring(path)
        while let slash = parent.lastIndex(of: "/") {
            parent = parent[..<slash]
            if !directories.insert(String(parent)).inserted { break }
        }
    }

    private static func directory(_ root: String) throws -> FileTree {
        var files: [(String, FileStatus)] = []
        var directories: Set<String> = [""]
        try walk(root, relative: "", depth: 0, files: &files, directories: &directories)
        files.sort { $0.0 < $1.0 }
        let listing = files.map { "\($0.0)\t\($0.1.size)\t\($0.1.modified)\n" }.joined()
        let crc = listing.utf8.withContiguousStorageIfAvailable { crc32(0, $0.baseAddress, UInt32($0.count)) } ?? 0
        let fingerprint = "folder files=\(files.count) listing-crc32=\(String(crc, radix: 16))"
        return FileTree(location: root, container: .directory, files: files.map(\.0), directories: directories,
                        fingerprint: fingerprint, arena: nil, ranges: [:])
    }

    /// Walks a folder with `readdir`, following symbolic links up to a fixed depth.
    private static func walk(_ path: String, relative: String, depth: Int,
                             files: inout [(String, FileStatus)], directories: inout Set<String>) throws {
        guard depth < 16 else { return }
        guard let dir = opendir(path) else { throw DataError.system("list folder", path) }
        defer { closedir(dir) }
        var entries: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.hasPrefix(".") { entries.append(name) }
        }
        for name in entries {
            let childPath = path + "/" + name
            let childRelative = relative.isEmpty ? name : relative + "/" + name
            guard let status = FileStatus.of(childPath) else { continue } // a dangling link
            if status.isDirectory {
                directories.insert(childRelative)
                try walk(childPath, relative: childRelative, depth: depth + 1, files: &files, directories: &directories)
            } else if keeps(Substring(name)) {
                files.append((childRelative, status))
            }
        }
    }

    /// An archive's fingerprint: its size and modification time, known without reading it.
    static func archiveFingerprint(_ status: FileStatus) -> String {
        "archive size=\(status.size) modified-ns=\(status.modified)"
    }

    private static func archive(_ path: String, stream: ByteStream, container: DatasetContainer) throws -> FileTree {
        guard let status = FileStatus.of(path) else { throw DataError(.missing, file: path, "no such file") }
        // Room for the whole content up front (compressed archives of small images grow about 3x),
        // so the arena rarely moves while it fills.
        let arena = ByteArena(capacity: max(1 << 20, container == .tar ? status.size : status.size * 3))
        var reader = TarReader(stream, file: path)
        var ranges: [String: Range<Int>] = [:]
        var directories: Set<String> = [""]
        while let entry = try reader.next() {
            switch entry.kind {
            case .directory:
                directories.insert(entry.path)
                addParents(of: entry.path, to: &directories)
            case .file:
                let name = entry.path.split(separator: "/").last ?? ""
                guard keeps(name) else { continue }
                ranges[entry.path] = try reader.readContents(into: arena)
                addParents(of: entry.path, to: &directories)
            }
        }
        return FileTree(location: path, container: container, files: ranges.keys.sorted(), directories: directories,
                        fingerprint: archiveFingerprint(status),
                        arena: arena, ranges: ranges)
    }
}

/// `("a/b", "c")` for `"a/b/c"`, `("", "c")` for `"c"`.
func splitPath(_ path: String) -> (folder: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return ("", path) }
    return (String(path[..<slash]), String(path[path.index(after: slash)...]))
}
