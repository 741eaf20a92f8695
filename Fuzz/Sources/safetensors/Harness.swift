import FunnelTrain

/// Any bytes as a safetensors file: either a `CheckpointError` or a file whose every tensor reads.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    if let file = try? SafetensorsFile(bytes: bytes, source: "fuzz") {
        _ = try? file.tensors()
        for name in file.entries.keys { _ = try? file.integers(name) }
        _ = file.serialized()
    }
    return 0
}
