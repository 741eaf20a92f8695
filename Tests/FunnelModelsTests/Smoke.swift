import Testing
@testable import FunnelModels

@Test func moduleLoads() {}
