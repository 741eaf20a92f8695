/// Layouts, buffers and kernels are part of the tensor API.
@_exported import FunnelKernels
