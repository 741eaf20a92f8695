import Foundation
import FuzzSupport

/// Any bytes as a `.tar.gz` data set (the gzip stream, then tar): an error naming the file, or a data set.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    FuzzFile.load(Data(bytes: data, count: count), name: "data.tar.gz")
    return 0
}
