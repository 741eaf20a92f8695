import Foundation
import FunnelKernels

/// The official CIFAR binary formats (Krizhevsky 2009, https://www.cs.toronto.edu/~kriz/cifar.html).
///
/// A file is a sequence of records: the label byte(s), then 3,072 pixel bytes as three 32x32
/// planes (all red, then all green, then all blue), each plane row by row. Records are converted
/// to this package's interleaved HWC order.
/// - CIFAR-10, `cifar-10-batches-bin/`: `data_batch_1.bin` ... `data_batch_5.bin` (train),
///   `test_batch.bin`, class names in `batches.meta.txt`; records of 1 label byte + 3,072.
/// - CIFAR-100, `cifar-100-binary/`: `train.bin`, `test.bin`, names in `fine_label_names.txt` and
///   `coarse_label_names.txt`; records of 1 coarse label byte, 1 fine label byte, 3,072.
enum CIFARBinary {
    /// Which of the two datasets.
    enum Variant: Sendable {
        case cifar10, cifar100

        /// Files holding the training and the test records.
        var trainFiles: [String] { self == .cifar10 ? (1...5).map { "data_batch_\($0).bin" } : ["train.bin"] }
        var testFiles: [String] { self == .cifar10 ? ["test_batch.bin"] : ["test.bin"] }
        /// Label bytes before each record's pixels.
        var labelBytes: Int { self == .cifar10 ? 1 : 2 }
        var recordSize: Int { labelBytes + CIFARBinary.pixelBytes }
    }

    static let side = 32
    static let pixelBytes = 3 * 32 * 32
    /// CIFAR-10's class names, used when `batches.meta.txt` is absent.
    static let cifar10Classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    /// The folder in `tree` (the root or up to two levels down) holding a CIFAR binary dataset's
    /// first file, and which dataset it is.
    static func locate(in tree: FileTree) -> (variant: Variant, folder: String)? {
        let candidates = tree.files.filter { $0.split(separator: "/").count <= 3 }
        for file in candidates {
            let (folder, name) = splitPath(file)
            if name == Variant.cifar10.trainFiles[0] { return (.cifar10, folder) }
            if name == Variant.cifar100.trainFiles[0] || name == Variant.cifar100.testFiles[0] { return (.cifar100, folder) }
        }
        return nil
    }

    /// Both splits of the dataset in `folder` of `tree`.
    /// - Throws: `DataError`: `.missing` file, `.recordSize` for a file that is not whole records,
    ///   `.label` for a label outside the class list.
    static func load(_ tree: FileTree, variant: Variant, folder: String, name: String) throws -> Splits {
        func path(_ file: String) -> String { folder.isEmpty ? file : folder + "/" + file }
        let (classes, coarseClasses) = try classNames(tree, variant: variant, path: path)
        func split(_ files: [String]) throws -> ImageDataset {
            var records = Records()
            for file in files {
                let location = path(file)
                guard tree.contains(location) else {
                    let expected = (variant.trainFiles + variant.testFiles).joined(separator: ", ")
                    throw DataError(.missing, file: tree.displayName(location), "no such file, expected \(expected) in \(tree.displayName(folder))")
                }
                var scratch: [UInt8] = []
                let part = try tree.withContents(location, scratch: &scratch) { bytes in
                    try parse(bytes, file: tree.displayName(location), variant: variant, classCount: classes.count,
                              coarseCount: coarseClasses?.count ?? 0)
                }
                records.pixels += part.pixels
                records.labels += part.labels
                records.coarseLabels += part.coarseLabels
            }
            return ImageDataset(name: name, classes: classes, height: side, width: side, pixels: records.pixels, labels: records.labels,
                                coarseClasses: coarseClasses, coarseLabels: coarseClasses == nil ? nil : records.coarseLabels)
        }
        return Splits(train: try split(variant.trainFiles), test: try split(variant.testFiles))
    }

    /// The images and labels of some records.
    struct Records {
        /// HWC pixels, image after image.
        var pixels: [UInt8] = []
        var labels: [Int] = []
        /// Empty for CIFAR-10.
        var coarseLabels: [Int] = []
    }

    /// The records in `bytes` (the contents of `file`), pixels converted to HWC.
    static func parse(_ bytes: UnsafeRawBufferPointer, file: String, variant: Variant, classCount: Int, coarseCount: Int) throws -> Records {
        let record = variant.recordSize
        // An empty batch file is a broken download, not a smaller data set.
        guard bytes.count > 0 else {
            throw DataError(.truncated, file: file, "the file is empty (0 bytes); expected whole \(record)-byte records")
        }
        guard bytes.count % record == 0 else {
            throw DataError(.recordSize, file: file,
                            "size \(bytes.count) bytes is not a multiple of the \(record)-byte record (\(variant.labelBytes) label byte\(variant.labelBytes > 1 ? "s" : "") + \(pixelBytes) pixel bytes): \(bytes.count / record) records and \(bytes.count % record) bytes left over")
        }
        let count = bytes.count / record
        var result = Records()
        for r in 0..<count {
            let label = Int(bytes[r * record + variant.labelBytes - 1])
            guard label < classCount else {
                throw DataError(.label, file: file, "record \(r) has label \(label), expected 0..<\(classCount)")
            }
            result.labels.append(label)
            if variant == .cifar100 {
                let coarse = Int(bytes[r * record])
                guard coarse < coarseCount else {
                    throw DataError(.label, file: file, "record \(r) has coarse label \(coarse), expected 0..<\(coarseCount)")
                }
                result.coarseLabels.append(coarse)
            }
        }
        guard count > 0 else { return result }
        let source = SharedPointer(base: UnsafeMutablePointer(mutating: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)))
        result.pixels = [UInt8](unsafeUninitializedCapacity: count * pixelBytes) { out, initialized in
            let destination = SharedPointer(base: out.baseAddress!)
            let plane = side * side
            parallelChunks(count, minimumPerThread: 1) { range in
                for r in range {
                    let src = source.base + r * record + variant.labelBytes
                    let dst = destination.base + r * pixelBytes
                    for p in 0..<plane {
                        dst[3 * p] = src[p]
                        dst[3 * p + 1] = src[plane + p]
                        dst[3 * p + 2] = src[2 * plane + p]
                    }
                }
            }
            initialized = count * pixelBytes
        }
        return result
    }

    /// Class names from the dataset's name files; CIFAR-10's published names or the label numbers
    /// where the files are absent.
    private static func classNames(_ tree: FileTree, variant: Variant, path: (String) -> String) throws -> ([String], [String]?) {
        func lines(_ file: String) throws -> [String]? {
            guard tree.contains(path(file)) else { return nil }
            return String(decoding: try tree.contents(path(file)), as: UTF8.self)
                .split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        switch variant {
        case .cifar10:
            return (try lines("batches.meta.txt") ?? cifar10Classes, nil)
        case .cifar100:
            return (try lines("fine_label_names.txt") ?? (0..<100).map(String.init),
                    try lines("coarse_label_names.txt") ?? (0..<20).map(String.init))
        }
    }
}
