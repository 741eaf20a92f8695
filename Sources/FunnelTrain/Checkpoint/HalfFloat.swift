/// Widening of the 16-bit float formats to `Float`, done on bit patterns so that it does not
/// depend on the platform having a `Float16` type (Intel macOS does not).

/// The IEEE 754 binary16 value with bit pattern `bits`, exactly, as a `Float`.
func floatFromHalf(_ bits: UInt16) -> Float {
    let sign: UInt32 = UInt32(bits & 0x8000) << 16
    let exponent = Int(bits >> 10) & 0x1f
    let mantissa = UInt32(bits & 0x3ff)
    switch exponent {
    case 0:
        // Zero or subnormal: mantissa * 2^-24, exact in Float.
        let magnitude = Float(mantissa) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    case 0x1f:
        // Infinity or NaN; the NaN payload moves to the top of Float's mantissa.
        return Float(bitPattern: sign | 0x7f80_0000 | mantissa << 13)
    default:
        // Rebias the exponent from 15 to 127.
        return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | mantissa << 13)
    }
}

/// The bfloat16 value with bit pattern `bits` as a `Float`: bfloat16 is the top half of a float32.
func floatFromBFloat16(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}
