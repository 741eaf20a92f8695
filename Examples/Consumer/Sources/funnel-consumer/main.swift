import FunnelNN

// FReLU as a drop-in layer from another package: y = max(x, BN(DWConv3x3(x))) >= x everywhere.
DefaultRandom.seed(0)
let frelu = try Activations.factory("frelu")(channels: 16)
let x = Tensor.normal([2, 16, 8, 8])
let y = frelu(x)
let holds = zip(y.scalars, x.scalars).allSatisfy { $0 >= $1 }
print("FReLU on \(x.shape): output \(y.shape), y >= x everywhere: \(holds)")
if !holds || y.shape != x.shape { fatalError("FReLU from the Funnel package misbehaved") }
