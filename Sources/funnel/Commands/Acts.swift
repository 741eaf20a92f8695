import ArgumentParser
import FunnelNN

struct Acts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every activation with its options and extra parameters per layer.")

    func run() throws {
        for entry in Activations.all {
            let names = ([entry.name] + entry.aliases).joined(separator: ", ")
            print("\(names)\n    \(entry.summary)\n    extra parameters per layer (C channels): \(entry.parametersPerLayer)")
            for option in entry.options {
                print("    :\(option.name)=\(option.values)  \(option.summary)")
            }
        }
        print("\nSpec syntax: name[:option=value,...], e.g. frelu:k=5,norm=gn  dyrelu:variant=b,k=2,r=4  leaky_relu:a=0.1")
    }
}
