import FunnelModels
import FunnelNN

extension MobileNetV1: ONNXExportable {
    /// `classifier(GAP(features(stem(x))))`.
    public func exportONNX(_ x: ONNXValue, to graph: ONNXGraphBuilder) throws -> ONNXValue {
        try graph.apply(classifier, graph.globalAveragePooled(graph.apply(features, graph.apply(stem, x))))
    }
}
