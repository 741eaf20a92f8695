import Foundation
import FuzzSupport

/// Any bytes as the image of an image-folder data set: PNG or JPEG by the first byte's parity
/// (the decoder picks the format from the content; the name only routes the file).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Data(bytes: data, count: count)
    let name = count > 0 && data[0] % 2 == 0 ? "a.png" : "a.jpg"
    FuzzFile.loadFolder(["train/cat/\(name)": bytes, "test/cat/\(name)": bytes])
    return 0
}
