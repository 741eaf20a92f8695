import Foundation

/// Segmentation datasets stored as files, each image beside a mask of the same name:
///
///     root/train/images/<name>.jpg|jpeg|png     root/train/masks/<name>.png
///     root/test/images/<name>.jpg|jpeg|png      root/test/masks/<name>.png
///     root/classes.txt                          (optional: class names, one a line, line i = value i)
///
/// A mask is an 8-bit greyscale or palette PNG whose value at a pixel (grey level or palette
/// index) is that pixel's class; 255 marks pixels without a label (`ImageDataset.ignoreLabel`),
/// as in Pascal VOC. Without `classes.txt` the classes are named `0`, `1`, ... up to the largest
/// value found. All images of a split must share one size. An image's label (for stratified
/// sampling) is its most frequent class other than 0, which is taken as background, or 0.
enum MaskFolder {
    /// The folder in `tree` that holds the splits: the shallowest (up to two levels down) with a
    /// `train/masks` or `test/masks` folder.
    static func root(in tree: FileTree) -> String? {
        var level = [""]
        for _ in 0...2 {
            if let found = level.first(where: { folder in
                ImageFolder.splitNames.contains { tree.subdirectories(of: join(folder, $0)).contains("masks") }
            }) { return found }
            level = level.flatMap { folder in tree.subdirectories(of: folder).map { join(folder, $0) } }
        }
        return nil
    }

    /// Reads and decodes both splits under `root`.
    /// - Throws: `DataError` naming the file: `.missing` split folder or mask, `.imageSize` for a
    ///   mask or image of another size, `.label` for a mask value outside the classes, `.corrupt`.
    static func load(_ tree: FileTree, root: String, name: String, threads: Int) throws -> Splits {
        let classFile = join(root, "classes.txt")
        let named: [String]? = tree.contains(classFile)
            ? String(decoding: try tree.contents(classFile), as: UTF8.self).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            : nil
        let decoded = try ImageFolder.splitNames.map { try decodeSplit(tree, folder: join(root, $0), threads: threads) }
        let largest = decoded.flatMap { $0.masks }.filter { $0 != ImageDataset.ignoreLabel }.max() ?? 0
        let classes = named ?? (0...Int(largest)).map(String.init)
        if Int(largest) >= classes.count {
            let (split, at) = decoded.enumerated().lazy.compactMap { s, d in d.masks.firstIndex { Int($0) >= classes.count && $0 != ImageDataset.ignoreLabel }.map { (s, $0) } }.first!
            let d = decoded[split], area = d.width * d.height
            throw DataError(.label, file: tree.displayName(d.maskFiles[at / area]),
                            "mask value \(d.masks[at]) at pixel (\(at % area % d.width), \(at % area / d.width)) is not one of the \(classes.count) classes of \(tree.displayName(classFile)) (0...\(classes.count - 1)) or 255 (no label)")
        }
        let splits = decoded.map { d in
            ImageDataset(name: name, classes: classes, height: d.height, width: d.width, pixels: d.pixels,
                         labels: mainClasses(d.masks, area: d.width * d.height, classes: classes.count), masks: d.masks)
        }
        return Splits(train: splits[0], test: splits[1])
    }

    private struct DecodedSplit {
        var width: Int, height: Int, pixels: [UInt8], masks: [UInt8], maskFiles: [String]
    }

    private static func decodeSplit(_ tree: FileTree, folder: String, threads: Int) throws -> DecodedSplit {
        let imageFolder = join(folder, "images"), maskFolder = join(folder, "masks")
        for sub in [imageFolder, maskFolder] where !tree.subdirectories(of: splitPath(sub).folder).contains(splitPath(sub).name) {
            throw DataError(.missing, file: tree.displayName(sub), "no such folder; a segmentation split holds images/ and masks/ (same file names, masks as .png)")
        }
        let images = tree.files(in: imageFolder).filter { ImageFolder.imageExtensions.contains(($0.split(separator: ".").last ?? "").lowercased()) }.sorted()
        guard !images.isEmpty else {
            throw DataError(.emptyClass, file: tree.displayName(imageFolder), "no images, expected .jpg, .jpeg or .png files")
        }
        let maskFiles = try images.map { image -> String in
            let stem = image.split(separator: ".").dropLast().joined(separator: ".")
            let mask = join(maskFolder, stem + ".png")
            guard tree.contains(mask) else {
                throw DataError(.missing, file: tree.displayName(mask), "no mask for \(tree.displayName(join(imageFolder, image))); expected a PNG mask of the same name")
            }
            return mask
        }
        let imageFiles = images.map { join(imageFolder, $0) }
        let decoder = ImageDecoder()
        let size = try tree.withContents(imageFiles[0], scratch: &decoder.readBuffer) { try decoder.size(of: $0, file: tree.displayName(imageFiles[0])) }
        let (bytes, area) = (size.width * size.height * 3, size.width * size.height)
        let reference = tree.displayName(imageFiles[0])
        let pixels = try [UInt8](unsafeUninitializedCapacity: images.count * bytes) { buffer, initialized in
            let base = SharedPointer(base: buffer.baseAddress!)
            try DecodeJobs.run(jobs: images.count, workers: threads) { job, decoder in
                try tree.withContents(imageFiles[job], scratch: &decoder.readBuffer) { raw in
                    try decoder.decode(raw, file: tree.displayName(imageFiles[job]), size: size, reference: reference, into: base.base + job * bytes)
                }
            }
            initialized = images.count * bytes
        }
        var masks = [UInt8]()
        masks.reserveCapacity(images.count * area)
        for (k, file) in maskFiles.enumerated() {
            let mask = try MaskPNG.decode(try tree.contents(file), file: tree.displayName(file))
            guard mask.width == size.width, mask.height == size.height else {
                throw DataError(.imageSize, file: tree.displayName(file),
                                "mask is \(mask.width)x\(mask.height), its image \(tree.displayName(imageFiles[k])) is \(size.width)x\(size.height)")
            }
            masks += mask.values
        }
        return DecodedSplit(width: size.width, height: size.height, pixels: pixels, masks: masks, maskFiles: maskFiles)
    }

    /// Each image's most frequent class other than 0 (the lowest on ties), or 0 if it has none.
    private static func mainClasses(_ masks: [UInt8], area: Int, classes: Int) -> [Int] {
        stride(from: 0, to: masks.count, by: area).map { start in
            var counts = [Int](repeating: 0, count: classes)
            for v in masks[start..<(start + area)] where v != ImageDataset.ignoreLabel { counts[Int(v)] += 1 }
            let main = counts.indices.dropFirst().max { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) }
            return main.flatMap { counts[$0] > 0 ? $0 : nil } ?? 0
        }
    }

    private static func join(_ folder: String, _ name: String) -> String { folder.isEmpty ? name : folder + "/" + name }
}
