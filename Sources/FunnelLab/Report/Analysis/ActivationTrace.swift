import Foundation
import FunnelModels
import FunnelNN

/// A ResNet's forward pass that shows each activation layer its input on the way: what the
/// FReLU and DY-ReLU inspections need to see inside a trained model. Modules have no hooks, so
/// the pass is written out here from the blocks' public parts, in the order of their own
/// `forward`; the result equals `model(x)` exactly (tested).
public enum ActivationTrace {
    /// Runs `model` (a ``ResNet``) on `x` in its current mode, calling `visit` with each
    /// activation's PyTorch path (`act1`, `layer1.0.act2`), the activation module and its input,
    /// just before the activation runs.
    /// - Returns: the logits.
    /// - Throws: `ReportError.unsupportedModel` for models other than ResNets.
    @discardableResult
    public static func forward(_ model: Module, _ x: Tensor, visit: (String, Module, Tensor) -> Void) throws -> Tensor {
        guard let net = model as? ResNet else {
            throw ReportError.unsupportedModel("the activation probes walk ResNets only; this model is \(type(of: model))")
        }
        func act(_ path: String, _ module: Module, _ input: Tensor) -> Tensor {
            visit(path, module, input)
            return module(input)
        }
        var out = act("act1", net.act1, net.bn1(net.conv1(x)))
        // The ImageNet stem (7x7 stride-2 conv) is followed by a 3x3 max-pool.
        if net.conv1.weight.shape[2] == 7 { out = out.maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        let stages = [net.layer1, net.layer2, net.layer3] + (net.layer4.map { [$0] } ?? [])
        for (s, stage) in stages.enumerated() {
            for (b, block) in stage.layers.enumerated() {
                let prefix = "layer\(s + 1).\(b)."
                if let basic = block as? BasicBlock {
                    var y = act(prefix + "act1", basic.act1, basic.bn1(basic.conv1(out)))
                    y = basic.bn2(basic.conv2(y))
                    if let se = basic.se { y = se(y) }
                    out = act(prefix + "act2", basic.act2, y + basic.shortcut(out))
                } else if let bottleneck = block as? Bottleneck {
                    var y = act(prefix + "act1", bottleneck.act1, bottleneck.bn1(bottleneck.conv1(out)))
                    y = act(prefix + "act2", bottleneck.act2, bottleneck.bn2(bottleneck.conv2(y)))
                    y = bottleneck.bn3(bottleneck.conv3(y))
                    if let se = bottleneck.se { y = se(y) }
                    out = act(prefix + "act3", bottleneck.act3, y + bottleneck.shortcut(out))
                } else {
                    throw ReportError.unsupportedModel("unknown ResNet block \(type(of: block)) in layer\(s + 1).\(b)")
                }
            }
        }
        return net.linear.map { $0(out.globalAvgPool()) } ?? out
    }
}
