/// Layers are used with tensors: importing FunnelNN brings the tensor API along.
@_exported import FunnelTensor
