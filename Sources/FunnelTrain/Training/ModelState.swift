import Foundation
import FunnelNN

/// A model's state under PyTorch's `state_dict` names: parameters, buffers and the int64
/// `num_batches_tracked` counters, so files move between Funnel and the reference models.
public enum ModelState {
    /// Every tensor of `module` as safetensors entries.
    public static func entries(of module: Module) -> [String: SafetensorsEntry] {
        var out: [String: SafetensorsEntry] = [:]
        for (name, t) in module.namedParameters + module.namedBuffers { out[name] = SafetensorsEntry(t) }
        for (path, m) in module.namedModules {
            for (name, value) in m.integerBuffers {
                out[path.isEmpty ? name : "\(path).\(name)"] = SafetensorsEntry(int64: [Int64(value)], shape: [])
            }
        }
        return out
    }

    /// Loads tensors into `module` in place. Every parameter and buffer must be present with the
    /// model's shape (errors name the tensor and both shapes); `num_batches_tracked` is optional.
    /// Entries under `ignoring` prefixes (optimizer state) are skipped; other unknown names throw.
    public static func load(_ file: SafetensorsFile, into module: Module, ignoring prefixes: [String] = ["optimizer."]) throws {
        // Constant buffers the PyTorch reference keeps (DY-ReLU's `lambdas`, `init_v`) are options here.
        let referenceConstants = [".lambdas", ".init_v"]
        var expected = Set<String>()
        for (name, t) in module.namedParameters + module.namedBuffers {
            expected.insert(name)
            let loaded: Tensor
            do { loaded = try file.tensor(name) } catch { throw error }
            do { try loaded.checkShape(t.shape, name: name) } catch {
                throw CheckpointError.shapeMismatch(file: file.source, tensor: name, checkpoint: loaded.shape, expected: t.shape)
            }
            try requireFinite(loaded, name: name, file: file.source)
            t.assign(loaded)
        }
        for (path, m) in module.namedModules {
            for (name, _) in m.integerBuffers {
                let full = path.isEmpty ? name : "\(path).\(name)"
                expected.insert(full)
                if file.entries[full] != nil { m.setIntegerBuffer(name, Int(try file.integer(full))) }
            }
        }
        let unknown = file.entries.keys.filter { key in
            !expected.contains(key) && !prefixes.contains { key.hasPrefix($0) } && !referenceConstants.contains { key.hasSuffix($0) }
        }.sorted()
        if !unknown.isEmpty {
            throw CheckpointError.badEntry(file: file.source, tensor: unknown[0],
                                           reason: "not a tensor of this model (\(unknown.count) unknown names, e.g. \(unknown.prefix(3).joined(separator: ", ")))")
        }
    }

    /// Throws `nonFinite` when `tensor` holds a NaN or an infinity: a model loaded with one would
    /// print numbers nobody can stand behind.
    static func requireFinite(_ tensor: Tensor, name: String, file: String) throws {
        let values = tensor.scalars
        guard let first = values.firstIndex(where: { !$0.isFinite }) else { return }
        throw CheckpointError.nonFinite(file: file, tensor: name, count: values.lazy.filter { !$0.isFinite }.count,
                                        index: first, value: values[first])
    }
}
