import Foundation

/// A failure to read a dataset, naming the file and what was wrong with it.
///
/// Every message has the form `<file>: <problem>`, and the problem states what was expected and
/// what was found, so a user can fix the data without reading the loader's code.
public struct DataError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// What went wrong, for callers (and tests) that react to the kind of failure.
    public enum Kind: String, Sendable, Equatable {
        /// The file ends early: a cut-off download or archive.
        case truncated
        /// The bytes are not what the format requires: bad gzip data, a tar header whose checksum
        /// does not match, an undecodable JPEG or PNG.
        case corrupt
        /// A CIFAR binary file whose size is not a whole number of records.
        case recordSize
        /// An image whose width and height differ from the rest of its split.
        case imageSize
        /// A label outside the class list.
        case label
        /// A required split, class folder or file is not there.
        case missing
        /// A class folder without any image in it.
        case emptyClass
        /// The path is none of the dataset layouts the loader knows.
        case unknownFormat
        /// The operating system refused to open, read or write a file.
        case io
    }

    /// What went wrong.
    public let kind: Kind
    /// The file or folder at fault, as the user gave it or as it is named inside an archive.
    public let file: String
    /// The problem, with the expected and the found value where there are two.
    public let problem: String

    /// A data error about `file`.
    public init(_ kind: Kind, file: String, _ problem: String) {
        self.kind = kind
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
    public var errorDescription: String? { description }
}

extension DataError {
    /// An error for the last failed system call on `file`, with `strerror`'s words.
    static func system(_ action: String, _ file: String, errno code: Int32 = errno) -> DataError {
        DataError(.io, file: file, "cannot \(action): \(String(cString: strerror(code)))")
    }
}
