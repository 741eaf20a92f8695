/// Why an event file could not be written or read; each case names the file.
public enum TensorBoardError: Error, CustomStringConvertible, Equatable {
    case cannotCreate(path: String, reason: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotCreate(path, reason): "cannot create TensorBoard event file \(path): \(reason)"
        case let .cannotWrite(path, reason): "cannot write to TensorBoard event file \(path): \(reason)"
        }
    }
}
