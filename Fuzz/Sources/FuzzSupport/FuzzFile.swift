import Foundation
import FunnelData

/// Writes fuzz inputs to files under /dev/shm and loads them the way `--data` does.
public enum FuzzFile {
    static let directory: URL = {
        let url = URL(fileURLWithPath: "/dev/shm/funnel-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    public static func load(_ bytes: Data, name: String) {
        let url = directory.appendingPathComponent(name)
        try? bytes.write(to: url)
        _ = try? DatasetLoader.load(url.path, options: .init(cache: .disabled))
    }

    public static func loadFolder(_ files: [String: Data]) {
        let folder = directory.appendingPathComponent("set")
        try? FileManager.default.removeItem(at: folder)
        for (name, bytes) in files {
            let url = folder.appendingPathComponent(name)
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? bytes.write(to: url)
        }
        _ = try? DatasetLoader.load(folder.path, options: .init(cache: .disabled))
    }
}
