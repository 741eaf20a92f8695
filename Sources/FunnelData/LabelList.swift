/// A `labels.txt` class list: each line `<index> <name>` or `<index> <name> <coarse index> <coarse
/// name>`; `#` starts a comment. This is how the CIFAR-100 image archive gives each fine class its
/// label and super-class.
struct LabelList: Equatable {
    /// Class names by label.
    var classes: [String]
    /// Super-class names by coarse label, if the lines have four fields.
    var coarseClasses: [String]?
    /// Each class's coarse label, if the lines have four fields.
    var coarseOfClass: [Int]?
}

extension LabelList {
    /// Parses `text`, read from `file` (named in errors).
    /// - Throws: `DataError` `.corrupt` for a malformed line, a repeated or missing index, or a
    ///   class given two different super-classes' names.
    init(parsing text: String, file: String) throws {
        var names: [Int: String] = [:]
        var coarse: [Int: Int] = [:]
        var coarseNames: [Int: String] = [:]
        var fields: Int?
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if parts.isEmpty { continue }
            func bad(_ why: String) -> DataError {
                DataError(.corrupt, file: file, "line \(number + 1) \"\(rawLine)\": \(why)")
            }
            guard parts.count == 2 || parts.count == 4 else {
                throw bad("expected \"<index> <name>\" or \"<index> <name> <coarse index> <coarse name>\", found \(parts.count) fields")
            }
            guard fields == nil || fields == parts.count else { throw bad("expected \(fields!) fields like the lines before, found \(parts.count)") }
            fields = parts.count
            guard let index = Int(parts[0]), index >= 0 else { throw bad("index \"\(parts[0])\" is not a non-negative integer") }
            guard names[index] == nil else { throw bad("index \(index) appears twice") }
            names[index] = String(parts[1])
            if parts.count == 4 {
                guard let c = Int(parts[2]), c >= 0 else { throw bad("coarse index \"\(parts[2])\" is not a non-negative integer") }
                if let known = coarseNames[c], known != String(parts[3]) {
                    throw bad("coarse index \(c) is named \"\(parts[3])\" here but \"\(known)\" before")
                }
                coarse[index] = c
                coarseNames[c] = String(parts[3])
            }
        }
        guard !names.isEmpty else { throw DataError(.corrupt, file: file, "no class lines, expected \"<index> <name>\" lines") }
        if let gap = (0..<names.count).first(where: { names[$0] == nil }) {
            throw DataError(.corrupt, file: file, "indices are not 0..<\(names.count): \(gap) is missing")
        }
        classes = (0..<names.count).map { names[$0]! }
        guard fields == 4 else { return }
        if let gap = (0..<coarseNames.count).first(where: { coarseNames[$0] == nil }) {
            throw DataError(.corrupt, file: file, "coarse indices are not 0..<\(coarseNames.count): \(gap) is missing")
        }
        coarseClasses = (0..<coarseNames.count).map { coarseNames[$0]! }
        coarseOfClass = (0..<names.count).map { coarse[$0]! }
    }
}
