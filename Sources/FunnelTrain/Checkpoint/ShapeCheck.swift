import FunnelTensor

extension Tensor {
    /// Throws unless this tensor, loaded from a checkpoint as `name`, has the shape the model needs.
    ///
    /// The message names the tensor and both shapes, e.g.
    /// `layer1.0.conv1.weight: checkpoint has [16, 3, 3, 3], model expects [16, 16, 3, 3]`.
    public func checkShape(_ expected: [Int], name: String) throws(CheckpointError) {
        guard shape == expected else {
            throw .shapeMismatch(file: nil, tensor: name, checkpoint: shape, expected: expected)
        }
    }
}
