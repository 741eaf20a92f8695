import Testing
@testable import FunnelNN

@Test func moduleLoads() {}
