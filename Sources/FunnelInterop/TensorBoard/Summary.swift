/// TensorBoard's event-file messages, as much of them as Funnel writes. Field numbers are those of
/// tensorflow/core/util/event.proto (`Event`), tensorflow/core/framework/summary.proto (`Summary`,
/// `Summary.Value`, `SummaryMetadata`, `HistogramProto`) and tensor.proto / tensor_shape.proto
/// (`TensorProto`), the copies TensorBoard ships under `tensorboard/compat/proto/`.
public enum TensorBoard {
    /// One record of an event file: a wall-clock time, a step, and what happened.
    public struct Event: Equatable, Sendable {
        public var wallTime: Double
        public var step: Int64
        public var content: Content

        public enum Content: Equatable, Sendable {
            /// The first event of every file: `brain.Event:2` tells readers the format version.
            case fileVersion(String)
            case summary(Summary)
        }

        public init(wallTime: Double, step: Int64 = 0, content: Content) {
            self.wallTime = wallTime
            self.step = step
            self.content = content
        }

        /// The `Event` protobuf.
        public var encoded: [UInt8] {
            var w = ProtobufWriter()
            w.double(1, wallTime)
            w.int(2, step)
            switch content {
            case let .fileVersion(version): w.string(3, version)
            case let .summary(summary): w.message(5) { summary.encode(into: &$0) }
            }
            return w.bytes
        }
    }

    /// A `Summary`: the values recorded at one step.
    public struct Summary: Equatable, Sendable {
        public var values: [Value]

        public init(_ values: [Value]) { self.values = values }

        func encode(into w: inout ProtobufWriter) {
            for value in values { w.message(1) { value.encode(into: &$0) } }
        }
    }

    /// A `Summary.Value`: one tag's datum.
    public struct Value: Equatable, Sendable {
        public var tag: String
        public var metadata: SummaryMetadata?
        public var datum: Datum

        public enum Datum: Equatable, Sendable {
            /// `simple_value`, which TensorBoard reads as a scalar (float32 on disk).
            case scalar(Float)
            case histogram(Histogram)
            /// A zero-length float tensor, for summaries whose content is all in their metadata
            /// (the hparams plugin's; TensorBoard's `metadata.NULL_TENSOR`).
            case emptyTensor
        }

        public init(tag: String, metadata: SummaryMetadata? = nil, _ datum: Datum) {
            self.tag = tag
            self.metadata = metadata
            self.datum = datum
        }

        func encode(into w: inout ProtobufWriter) {
            w.string(1, tag)
            if let metadata { w.message(9) { metadata.encode(into: &$0) } }
            switch datum {
            case let .scalar(value): w.float(2, value)
            case let .histogram(histogram): w.message(5) { histogram.encode(into: &$0) }
            case .emptyTensor:
                w.message(8) { tensor in
                    tensor.int(1, 1)                                   // dtype: DT_FLOAT
                    tensor.message(2) { $0.message(2) { _ in } }       // tensor_shape { dim { size: 0 } }
                }
            }
        }
    }

    /// A `SummaryMetadata`: which plugin owns a tag and its plugin-specific content; TensorBoard
    /// reads it from a tag's first value.
    public struct SummaryMetadata: Equatable, Sendable {
        public var pluginName: String?
        public var pluginContent: [UInt8]
        public var displayName: String?
        /// Shown beside the chart (TensorBoard renders it as Markdown).
        public var description: String?
        public var dataClass: DataClass?

        /// What kind of data a tag holds (summary.proto `DataClass`).
        public enum DataClass: Int, Sendable {
            case scalar = 1, tensor = 2, blobSequence = 3
        }

        public init(pluginName: String? = nil, pluginContent: [UInt8] = [], displayName: String? = nil, description: String? = nil,
                    dataClass: DataClass? = nil) {
            self.pluginName = pluginName
            self.pluginContent = pluginContent
            self.displayName = displayName
            self.description = description
            self.dataClass = dataClass
        }

        /// A scalar's metadata as TensorBoard's scalar summaries write it: plugin "scalars" (whose
        /// `ScalarPluginData` at version 0 is empty), data class scalar.
        public static func scalar(description: String) -> SummaryMetadata {
            SummaryMetadata(pluginName: "scalars", description: description, dataClass: .scalar)
        }

        func encode(into w: inout ProtobufWriter) {
            if let pluginName {
                w.message(1) { data in
                    data.string(1, pluginName)
                    if !pluginContent.isEmpty { data.bytes(2, pluginContent) }
                }
            }
            if let displayName { w.string(2, displayName) }
            if let description { w.string(3, description) }
            if let dataClass { w.int(4, dataClass.rawValue) }
        }
    }
}
