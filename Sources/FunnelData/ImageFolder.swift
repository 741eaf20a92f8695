import Foundation

/// Datasets stored as image files: `root/{train,test}/<class>/<image>.{jpg,jpeg,png}`.
///
/// Classes are the class folders sorted by name (for CIFAR-10 that is its label order), unless
/// `root/labels.txt` lists them (see `LabelList`; the CIFAR-100 archive gives each fine class's
/// label and super-class there). Within a class, files are taken in name order.
enum ImageFolder {
    /// The splits every image folder has.
    static let splitNames = ["train", "test"]
    /// Endings (lower-cased) of the files read as images.
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]

    /// The folder in `tree` that holds the splits: the root, or a folder up to two levels down
    /// (an archive usually wraps everything in one folder, like `cifar10-jpeg/`), whichever is
    /// shallowest with a `train` or `test` folder in it.
    static func root(in tree: FileTree) -> String? {
        var level = [""]
        for _ in 0...2 {
            if let found = level.first(where: { tree.subdirectories(of: $0).contains { splitNames.contains($0) } }) { return found }
            level = level.flatMap { folder in tree.subdirectories(of: folder).map { folder.isEmpty ? $0 : folder + "/" + $0 } }
        }
        return nil
    }

    /// Reads and decodes both splits under `root` in `tree`.
    /// - Parameter threads: decoding threads.
    /// - Throws: `DataError` naming the folder or file: `.missing` split or class folder,
    ///   `.emptyClass`, `.imageSize`, `.corrupt` or `.truncated` image, `.corrupt` labels.txt.
    static func load(_ tree: FileTree, root: String, name: String, threads: Int) throws -> Splits {
        func path(_ parts: String...) -> String { ([root] + parts).filter { !$0.isEmpty }.joined(separator: "/") }
        for split in splitNames where !tree.subdirectories(of: root).contains(split) {
            throw DataError(.missing, file: tree.displayName(path(split)),
                            "no \(split) folder, expected \(splitNames.joined(separator: " and ")) folders in \(tree.displayName(root))")
        }
        let labelFile = path("labels.txt")
        let list: LabelList
        if tree.contains(labelFile) {
            list = try LabelList(parsing: String(decoding: tree.contents(labelFile), as: UTF8.self), file: tree.displayName(labelFile))
        } else {
            list = LabelList(classes: Set(splitNames.flatMap { tree.subdirectories(of: path($0)) }).sorted())
        }
        let datasets = try splitNames.map { split in
            try loadSplit(tree, folder: path(split), list: list, name: name, threads: threads)
        }
        return Splits(train: datasets[0], test: datasets[1])
    }

    private static func loadSplit(_ tree: FileTree, folder: String, list: LabelList, name: String, threads: Int) throws -> ImageDataset {
        let present = tree.subdirectories(of: folder)
        if let stray = present.first(where: { !list.classes.contains($0) }) {
            throw DataError(.label, file: tree.displayName(folder + "/" + stray),
                            "class folder \"\(stray)\" is not in the class list (\(list.classes.count) classes: \(list.classes.prefix(5).joined(separator: ", "))\(list.classes.count > 5 ? ", ..." : ""))")
        }
        var found: [String] = []
        var labels: [Int] = []
        for (label, className) in list.classes.enumerated() {
            let classFolder = folder + "/" + className
            guard present.contains(className) else {
                throw DataError(.missing, file: tree.displayName(classFolder),
                                "no folder for class \"\(className)\", expected one folder per class in \(tree.displayName(folder))")
            }
            let images = tree.files(in: classFolder).filter { file in
                file.split(separator: ".").last.map { imageExtensions.contains($0.lowercased()) } ?? false
            }
            guard !images.isEmpty else {
                throw DataError(.emptyClass, file: tree.displayName(classFolder),
                                "class \"\(className)\" has no images, expected .jpg, .jpeg or .png files")
            }
            found += images.map { classFolder + "/" + $0 }
            labels += repeatElement(label, count: images.count)
        }
        let files = found
        let size = try decodedSize(tree, files[0])
        let imageBytes = size.width * size.height * 3
        let reference = tree.displayName(files[0])
        let pixels = try [UInt8](unsafeUninitializedCapacity: files.count * imageBytes) { buffer, initialized in
            let base = SharedPointer(base: buffer.baseAddress!)
            try DecodeJobs.run(jobs: files.count, workers: threads) { job, decoder in
                try tree.withContents(files[job], scratch: &decoder.readBuffer) { bytes in
                    try decoder.decode(bytes, file: tree.displayName(files[job]), size: size, reference: reference,
                                       into: base.base + job * imageBytes)
                }
            }
            initialized = files.count * imageBytes
        }
        return ImageDataset(name: name, classes: list.classes, height: size.height, width: size.width, pixels: pixels,
                            labels: labels, coarseClasses: list.coarseClasses,
                            coarseLabels: list.coarseOfClass.map { coarse in labels.map { coarse[$0] } })
    }

    /// The size of the image in `file`.
    private static func decodedSize(_ tree: FileTree, _ file: String) throws -> ImageSize {
        let decoder = ImageDecoder()
        return try tree.withContents(file, scratch: &decoder.readBuffer) { try decoder.size(of: $0, file: tree.displayName(file)) }
    }
}
