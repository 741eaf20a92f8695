import Testing
@testable import FunnelTrain

@Test func moduleLoads() {}
