/// The ONNX messages Funnel writes, as plain values that encode themselves with `ProtobufWriter`.
/// Field numbers are those of `onnx/onnx.proto` (IR version 8 and later; unchanged since), cited
/// beside each field. Only what an inference graph of float tensors needs is modelled.

/// `TensorProto.DataType`: the element types Funnel writes.
public enum ONNXDataType: Int, Sendable {
    case float = 1
    case int64 = 7
}

/// One dimension of a declared shape (`TensorShapeProto.Dimension`): a size or a named symbol.
public enum ONNXDimension: Equatable, Sendable {
    case fixed(Int)
    case symbolic(String)
}

/// A constant tensor (`TensorProto`), its values little-endian in `raw_data`.
public struct ONNXTensorProto: Sendable {
    public var name: String
    public var dims: [Int]
    public var dataType: ONNXDataType
    public var rawData: [UInt8]

    public init(name: String, dims: [Int], floats: [Float]) {
        precondition(dims.reduce(1, *) == floats.count, "[ONNXTensorProto] \(floats.count) values for dims \(dims) (\(name))")
        self.name = name; self.dims = dims; dataType = .float
        rawData = littleEndianBytes(floats)
    }

    public init(name: String, dims: [Int], int64s: [Int64]) {
        precondition(dims.reduce(1, *) == int64s.count, "[ONNXTensorProto] \(int64s.count) values for dims \(dims) (\(name))")
        self.name = name; self.dims = dims; dataType = .int64
        rawData = littleEndianBytes(int64s)
    }

    func encode(into w: inout ProtobufWriter) {
        w.packedInts(1, dims.map(Int64.init))   // repeated int64 dims = 1
        w.int(2, dataType.rawValue)              // int32 data_type = 2
        w.string(8, name)                        // string name = 8
        w.bytes(9, rawData)                      // bytes raw_data = 9
    }
}

/// A node attribute (`AttributeProto`).
public struct ONNXAttribute: Sendable {
    public enum Value: Sendable {
        case float(Float), int(Int), string(String), floats([Float]), ints([Int])
    }

    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) { self.name = name; self.value = value }
    public static func int(_ name: String, _ value: Int) -> ONNXAttribute { .init(name, .int(value)) }
    public static func float(_ name: String, _ value: Float) -> ONNXAttribute { .init(name, .float(value)) }
    public static func ints(_ name: String, _ values: [Int]) -> ONNXAttribute { .init(name, .ints(values)) }

    func encode(into w: inout ProtobufWriter) {
        w.string(1, name)                        // string name = 1
        // AttributeType type = 20: FLOAT = 1, INT = 2, STRING = 3, FLOATS = 6, INTS = 7.
        switch value {
        case .float(let f): w.int(20, 1); w.float(2, f)                            // float f = 2
        case .int(let i): w.int(20, 2); w.int(3, i)                                // int64 i = 3
        case .string(let s): w.int(20, 3); w.string(4, s)                          // bytes s = 4
        case .floats(let fs): w.int(20, 6); w.packedFloats(7, fs)                  // repeated float floats = 7
        case .ints(let values): w.int(20, 7); w.packedInts(8, values.map(Int64.init)) // repeated int64 ints = 8
        }
    }
}

/// One operator application (`NodeProto`), in the default ONNX domain.
public struct ONNXNode: Sendable {
    public var opType: String
    public var name: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [ONNXAttribute]

    func encode(into w: inout ProtobufWriter) {
        for input in inputs { w.string(1, input) }     // repeated string input = 1
        for output in outputs { w.string(2, output) }  // repeated string output = 2
        w.string(3, name)                              // string name = 3
        w.string(4, opType)                            // string op_type = 4
        for a in attributes { w.message(5) { a.encode(into: &$0) } } // repeated AttributeProto attribute = 5
    }
}

/// A graph input or output with its tensor type (`ValueInfoProto` holding a `TypeProto.Tensor`).
public struct ONNXValueInfo: Sendable {
    public var name: String
    public var elementType: ONNXDataType
    public var shape: [ONNXDimension]

    func encode(into w: inout ProtobufWriter) {
        w.string(1, name)                                  // ValueInfoProto: string name = 1
        w.message(2) { type in                             // TypeProto type = 2
            type.message(1) { tensor in                    // TypeProto: Tensor tensor_type = 1
                tensor.int(1, elementType.rawValue)        // Tensor: int32 elem_type = 1
                tensor.message(2) { shapeProto in          // Tensor: TensorShapeProto shape = 2
                    for d in shape {
                        shapeProto.message(1) { dim in     // TensorShapeProto: repeated Dimension dim = 1
                            switch d {
                            case .fixed(let n): dim.int(1, n)          // int64 dim_value = 1
                            case .symbolic(let s): dim.string(2, s)    // string dim_param = 2
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A computation graph (`GraphProto`): nodes in topological order, constants, inputs and outputs.
public struct ONNXGraphProto: Sendable {
    public var name: String
    public var nodes: [ONNXNode]
    public var initializers: [ONNXTensorProto]
    public var inputs: [ONNXValueInfo]
    public var outputs: [ONNXValueInfo]

    func encode(into w: inout ProtobufWriter) {
        for n in nodes { w.message(1) { n.encode(into: &$0) } }          // repeated NodeProto node = 1
        w.string(2, name)                                                // string name = 2
        for t in initializers { w.message(5) { t.encode(into: &$0) } }   // repeated TensorProto initializer = 5
        for i in inputs { w.message(11) { i.encode(into: &$0) } }        // repeated ValueInfoProto input = 11
        for o in outputs { w.message(12) { o.encode(into: &$0) } }       // repeated ValueInfoProto output = 12
    }
}

/// A whole model file (`ModelProto`).
public struct ONNXModelProto: Sendable {
    public var irVersion: Int
    /// The version of the default ("ai.onnx") operator set.
    public var opset: Int
    public var producerName = "funnel"
    public var graph: ONNXGraphProto
    /// Free-form key/value pairs (`metadata_props`), e.g. the training config.
    public var metadata: [(key: String, value: String)] = []

    public init(irVersion: Int, opset: Int, graph: ONNXGraphProto, metadata: [(key: String, value: String)] = []) {
        self.irVersion = irVersion; self.opset = opset; self.graph = graph; self.metadata = metadata
    }

    /// The serialized `.onnx` file.
    public func serialized() -> [UInt8] {
        var w = ProtobufWriter()
        w.int(1, irVersion)                              // int64 ir_version = 1
        w.string(2, producerName)                        // string producer_name = 2
        w.message(7) { graph.encode(into: &$0) }         // GraphProto graph = 7
        w.message(8) { opsetId in                        // repeated OperatorSetIdProto opset_import = 8
            opsetId.string(1, "")                        // string domain = 1 ("" is ai.onnx)
            opsetId.int(2, opset)                        // int64 version = 2
        }
        for (key, value) in metadata {
            w.message(14) { entry in                     // repeated StringStringEntryProto metadata_props = 14
                entry.string(1, key)                     // string key = 1
                entry.string(2, value)                   // string value = 2
            }
        }
        return w.bytes
    }
}

/// The bytes of `values`, each little-endian as ONNX's `raw_data` requires, copied in bulk (large
/// models have tens of millions of weights).
private func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    let ordered = T(1).littleEndian == T(1) ? values : values.map(\.littleEndian)
    return ordered.withUnsafeBytes { Array($0) }
}

private func littleEndianBytes(_ values: [Float]) -> [UInt8] {
    UInt32(1).littleEndian == 1 ? values.withUnsafeBytes { Array($0) } : littleEndianBytes(values.map(\.bitPattern))
}
