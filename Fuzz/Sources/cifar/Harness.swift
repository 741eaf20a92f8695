import Foundation
import FuzzSupport

/// Any bytes as a CIFAR-10 binary training batch beside a valid test batch.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    FuzzFile.loadFolder(["train.bin": Data(bytes: data, count: count), "test.bin": Data(repeating: 1, count: 3073)])
    return 0
}
