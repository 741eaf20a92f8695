/// An element type of the safetensors format, spelled as in the file header.
///
/// Declared in the reference implementation's order: its writer places tensors by descending
/// position in this list (then by name), which `SafetensorsFile.serialized()` copies so that
/// files it writes are byte-identical to the reference's.
public enum SafetensorsDType: String, CaseIterable, Sendable {
    case bool = "BOOL"
    case u8 = "U8"
    case i8 = "I8"
    case i16 = "I16"
    case u16 = "U16"
    case f16 = "F16"
    case bf16 = "BF16"
    case i32 = "I32"
    case u32 = "U32"
    case f32 = "F32"
    case f64 = "F64"
    case i64 = "I64"
    case u64 = "U64"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .u8, .i8: 1
        case .i16, .u16, .f16, .bf16: 2
        case .i32, .u32, .f32: 4
        case .f64, .i64, .u64: 8
        }
    }

    /// Whether values of this type read as floats (`SafetensorsFile.tensor(_:)`).
    public var isFloatingPoint: Bool {
        switch self {
        case .f16, .bf16, .f32, .f64: true
        default: false
        }
    }

    /// Rank in the reference writer's ordering (larger is written first).
    var writeRank: Int { Self.allCases.firstIndex(of: self)! }
}
