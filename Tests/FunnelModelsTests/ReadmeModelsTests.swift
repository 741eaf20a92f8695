import Foundation
import Testing
import FunnelNN
@testable import FunnelModels

/// The README names the registered models in two places: the "**Models**" bullet (CIFAR models at
/// 32x32, the paper's ImageNet models at 224x224) and the parameters/FLOPs table. Both are checked
/// against `Models.all`, so adding, renaming or resizing a model without the README fails here.
@Suite struct ReadmeModelsTests {
    static let readme: String = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    /// Registry names of the README's display names: `ResNet-18/34` -> resnet18, resnet34 (with
    /// `suffix` for the ImageNet ones), `bottleneck ResNet-29` -> resnet29_bottleneck,
    /// `MobileNet v1 0.75` -> mobilenet_v1_0.75.
    static func registryNames(_ list: String, suffix: String) -> [String] {
        list.replacingOccurrences(of: " and ", with: ",").split(separator: ",").flatMap { item -> [String] in
            let words = item.trimmingCharacters(in: .whitespaces)
            if words.hasPrefix("bottleneck ResNet-") {
                return ["resnet\(words.dropFirst("bottleneck ResNet-".count))_bottleneck"]
            }
            if words.hasPrefix("ResNet-") {
                return words.dropFirst("ResNet-".count).split(separator: "/").map { "resnet\($0)\(suffix)" }
            }
            return [words.lowercased().replacingOccurrences(of: " ", with: "_")]
        }
    }

    /// The Models bullet, as one line: "CIFAR ResNet-18/34/50 and ResNet-20/32/56 (...), and the
    /// paper's ImageNet models for counting: ResNet-50/101, MobileNet v1 0.75, ShuffleNet v2 0.5x; ...".
    static func modelsBullet() throws -> (cifar: [String], imagenet: [String]) {
        let lines = readme.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex { $0.hasPrefix("- **Models**:") }, "no Models bullet in the README")
        var text = lines[start]
        for line in lines[(start + 1)...] {
            guard line.hasPrefix("  ") else { break }
            text += " " + line.trimmingCharacters(in: .whitespaces)
        }
        let cifar = try #require(text.range(of: #"CIFAR (.*?) \("#, options: .regularExpression))
        let imagenet = try #require(text.range(of: #"ImageNet models for counting: (.*?);"#, options: .regularExpression))
        func inner(_ r: Range<String.Index>, _ prefix: String, _ end: Int) -> String {
            String(text[r].dropFirst(prefix.count).dropLast(end))
        }
        return (registryNames(inner(cifar, "CIFAR ", 2), suffix: ""),
                registryNames(inner(imagenet, "ImageNet models for counting: ", 1), suffix: "_imagenet"))
    }

    @Test func theModelsBulletListsExactlyTheRegisteredModels() throws {
        let (cifar, imagenet) = try Self.modelsBullet()
        let classifiers = Models.names(for: .classify)
        #expect(Set(cifar + imagenet) == Set(classifiers), "README: \(cifar + imagenet)")
        #expect(cifar.count + imagenet.count == classifiers.count)
        // Segmentation-only models are named in the bullet as they are registered.
        let bullet = Self.readme.components(separatedBy: "- **Models**:").last?.components(separatedBy: "\n- ").first ?? ""
        for name in Models.names(for: .segment) where !classifiers.contains(name) { #expect(bullet.contains("`\(name)`"), "\(name)") }
        for name in cifar { #expect(try Models.entry(name).input == [3, 32, 32], "\(name)") }
        // The FLOPs section: "at the model's input size (224x224 for the ImageNet models)".
        #expect(Self.readme.contains("(224x224\nfor the ImageNet models)") || Self.readme.contains("(224x224 for the ImageNet models)"))
        for name in imagenet { #expect(try Models.entry(name).input == [3, 224, 224], "\(name)") }
    }

    /// The parameters/FLOPs table's rows and their "ReLU (Funnel)" cell, e.g. ("ResNet-50", "25.56M, 3.858G").
    static func complexityRows() -> [(model: String, relu: String)] {
        let lines = readme.components(separatedBy: "\n")
        guard let header = lines.firstIndex(where: { $0.hasPrefix("| model | ReLU (Funnel) |") }) else { return [] }
        return lines[(header + 2)...].prefix { $0.hasPrefix("|") }.map { line in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            return (cells[0], cells[1])
        }
    }

    /// `25.56M` at the decimals the README gives, from a count.
    static func rounded(_ value: Int, like text: String) -> String {
        let unit = text.last!, scale = unit == "G" ? 1e9 : 1e6
        let decimals = text.contains(".") ? text.split(separator: ".").last!.count - 1 : 0
        return String(format: "%.\(decimals)f%@", Double(value) / scale, String(unit))
    }

    @Test func theComplexityTableMatchesTheRegisteredImageNetModels() throws {
        let rows = Self.complexityRows()
        let (_, imagenet) = try Self.modelsBullet()
        #expect(rows.flatMap { Self.registryNames($0.model, suffix: "_imagenet") } == imagenet)
        for row in rows {
            let name = try #require(Self.registryNames(row.model, suffix: "_imagenet").first)
            let entry = try Models.entry(name)
            // A generator of its own: drawing from the shared one would shift other tests' weights.
            let model = try DefaultRandom.seeded(0) {
                try Models.make(ModelConfig(name: name, classes: entry.defaultClasses, activation: Activations.factory("relu")))
            }
            model.setMode(.inference)
            let x = Tensor.zeros([1] + entry.input)
            let flops = OpCounter.count { _ = withoutGrad { model(x) } }
            let figures = row.relu.components(separatedBy: ", ")
            #expect(figures == [Self.rounded(model.parameterCount, like: figures[0]), Self.rounded(flops, like: figures[1])], "\(row.model)")
        }
    }
}
