import Testing
@testable import FunnelData

@Test func moduleLoads() {}
