import Testing
@testable import FunnelLab

@Test func moduleLoads() {}
