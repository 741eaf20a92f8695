import FunnelKernels

extension Tensor {
    /// 2-D convolution of `[N, C, H, W]` with weight `[O, C/groups, kh, kw]` and optional bias `[O]`.
    ///
    /// Any kernel size (rectangular too), stride, padding, dilation and groups (depthwise when
    /// `groups == C`). Forward, backward-data and backward-weights run as cached oneDNN primitives.
    public func conv2d(_ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                       dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        require(rank == 4, "[conv2d] input must be [N, C, H, W], got \(shape)")
        require(weight.rank == 4, "[conv2d] weight must be [O, I/groups, kh, kw], got \(weight.shape)")
        require(groups > 0 && shape[1] % groups == 0, "[conv2d] input has \(shape[1]) channels, not divisible by \(groups) groups")
        require(weight.shape[0] % groups == 0, "[conv2d] \(weight.shape[0]) output channels, not divisible by \(groups) groups")
        require(weight.shape[1] * groups == shape[1],
                     "[conv2d] weight \(weight.shape) expects \(weight.shape[1] * groups) input channels, input \(shape) has \(shape[1])")
        if let bias { require(bias.shape == [weight.shape[0]], "[conv2d] bias \(bias.shape) for \(weight.shape[0]) output channels") }
        let g = ConvGeometry(batch: shape[0], inChannels: shape[1], height: shape[2], width: shape[3], outChannels: weight.shape[0],
                             kh: weight.shape[2], kw: weight.shape[3], strideH: stride.0, strideW: stride.1, padH: padding.0, padW: padding.1,
                             dilationH: dilation.0, dilationW: dilation.1, groups: groups, hasBias: bias != nil)
        require(g.outHeight > 0 && g.outWidth > 0, "[conv2d] input \(shape) too small for kernel \(weight.shape) with padding \(padding)")
        OpCounter.current?.add(g)
        let out = Tensor(uninitialized: [g.batch, g.outChannels, g.outHeight, g.outWidth])
        Convolution.forward(g, src: buffer.pointer, weight: weight.buffer.pointer, bias: bias?.buffer.pointer, dst: out.buffer.pointer)
        let inputs = [self, weight] + (bias.map { [$0] } ?? [])
        return out.recording("conv2d", inputs) { grad in
            // Where the input's gradient is summed already from ops after this one (a residual
            // block's input: the shortcut's share), the convolution adds its own in the same pass.
            let sum = self.requiresGrad && Convolution.accumulatesData(g) ? self.takePendingGradient() : nil
            let dx = sum ?? (self.requiresGrad ? Tensor(uninitialized: self.shape) : nil)
            let parameters = weight.requiresGrad || (bias?.requiresGrad ?? false)
            let dw = parameters ? Tensor(uninitialized: weight.shape) : nil
            let db = parameters ? bias.map { Tensor(uninitialized: $0.shape) } : nil
            Convolution.backward(g, src: self.buffer.pointer, diffDst: grad.buffer.pointer, weight: weight.buffer.pointer,
                                 diffSrc: dx?.buffer.pointer, accumulatingData: sum != nil, diffWeight: dw?.buffer.pointer, diffBias: db?.buffer.pointer)
            return [dx, dw] + (bias == nil ? [] : [db])
        }
    }
}
