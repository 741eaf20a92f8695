import Testing
import FunnelNN
@testable import FunnelModels

/// Each model's `activationSlots` against the network it builds: every stage it declares holds
/// activations, a slot kind it declares is in those stages and one it does not declare is not, and
/// squeeze-and-excitation adds blocks only where declared. So a placement the check accepts
/// changes the network, and one it refuses would have left it ReLU under the activation's name.
@Suite struct ActivationSlotsTests {
    /// The FReLU and squeeze-and-excitation layers of `entry` built with FReLU at `placement`,
    /// past the placement check.
    func layers(_ entry: ModelEntry, _ placement: Placement) throws -> (funnels: Int, squeezeExcitations: Int) {
        let config = ModelConfig(name: entry.name, classes: 10, activation: try Activations.factory("frelu"), placement: placement,
                                 task: entry.tasks.contains(.classify) ? .classify : .segment)
        let modules = entry.build(config).namedModules.map(\.1)
        return (modules.filter { $0 is FReLU }.count, modules.filter { $0 is SqueezeExcitation }.count)
    }

    @Test(arguments: Models.all.map(\.name))
    func declaredSlotsAreTheOnesTheModelHas(name: String) throws {
        let entry = try Models.entry(name), slots = entry.activationSlots
        guard slots.takesActivation else {
            #expect(try layers(entry, .everywhere).funnels == 0)
            #expect(throws: PlacementError.self) { try slots.check(Placement(stages: [1]), model: name) }
            return
        }
        let all = Set(1...slots.stages)
        for stage in all {  // with squeeze-and-excitation asked for too, to see where it adds blocks (each build costs seconds)
            let built = try layers(entry, Placement(stages: [stage], squeezeExcitation: true))
            #expect(built.funnels > 0, "stage \(stage)")
            #expect((built.squeezeExcitations > 0) == slots.squeezeExcitation, "stage \(stage)")
        }
        #expect(throws: PlacementError.self) { try slots.check(Placement(stages: [slots.stages + 1]), model: name) }
        #expect(throws: PlacementError.self) { try slots.check(Placement(stages: [0]), model: name) }
        for kind in [Placement.Slots.after1x1, .after3x3] {
            let placement = Placement(stages: all, slots: kind)
            #expect(try (layers(entry, placement).funnels > 0) == slots.kinds.contains(kind), "\(kind)")
            #expect(((try? slots.check(placement, model: name)) != nil) == slots.kinds.contains(kind), "\(kind)")
        }
        #expect(((try? slots.check(Placement(squeezeExcitation: true), model: name)) != nil) == slots.squeezeExcitation)
    }

    @Test func makeRefusesWhatTheModelLacksNamingTheField() throws {
        let frelu = try Activations.factory("frelu")
        for (name, placement, field) in [("resnet20", Placement(stages: [4]), "stages"), ("resnet20", Placement(stages: []), "stages"),
                                         ("resnet18", Placement(slots: .after1x1), "slots"),
                                         ("mobilenet_v1_0.75", Placement(squeezeExcitation: true), "se")] {
            do {
                _ = try Models.make(ModelConfig(name: name, activation: frelu, placement: placement))
                Issue.record("\(name) with \(placement) should have been refused")
            } catch let error as PlacementError {
                #expect(error.field == field)
            }
        }
        #expect(try layers(Models.entry("resnet50"), Placement(slots: .after1x1)).funnels > 0)
    }
}
