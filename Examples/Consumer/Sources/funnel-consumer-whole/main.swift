// Every module of the `Funnel` product, as a project that trains and reports with it would import
// them. check.sh plans this target's build, where SwiftPM refuses a dependency whose targets carry
// unsafe flags, without compiling it (that would take minutes); `swift build --package-path
// Examples/Consumer --product funnel-consumer-whole` compiles and runs it.
import FunnelCharts
import FunnelData
import FunnelInterop
import FunnelLab
import FunnelModels
import FunnelNN
import FunnelStats
import FunnelTensor
import FunnelTrain

print("Funnel's library modules import from another package")
