import Foundation
import Testing
@testable import FunnelCharts

@Suite struct ChartScaleTests {
    // MARK: Linear ticks

    @Test func unitIntervalGetsFifthsAndTenthsThatEqualTheirLiterals() {
        let scale = LinearScale(domain: 0...1, tickCount: 5)
        #expect(scale.ticks() == [0, 0.2, 0.4, 0.6, 0.8, 1.0])
        #expect(scale.tickLabels() == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        // 3 * 0.1 would be 0.30000000000000004; the ticks must be the decimals as written.
        #expect(LinearScale(domain: 0...1, tickCount: 10).ticks() == [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    }

    @Test func ticksStayInsideAnUnevenDomainAndNicingEndsOnTicks() {
        let scale = LinearScale(domain: -3.7...12.2, tickCount: 5)
        #expect(scale.ticks() == [0, 5, 10])
        #expect(scale.niced().domain == -5...15)
        #expect(scale.niced().ticks() == [-5, 0, 5, 10, 15])
        #expect(LinearScale(domain: 0.013...0.97, tickCount: 5).niced().domain == 0...1)
        #expect(LinearScale(domain: 0.8132...0.8897, tickCount: 4).niced().domain == 0.8...0.9)
        #expect(LinearScale(domain: 17...83, tickCount: 6).niced().domain == 10...90)
    }

    @Test func stepsAreOneTwoOrFiveTimesAPowerOfTen() {
        var rng = ChartGallery.Random(state: 42)
        for _ in 0..<500 {
            let low = (rng.uniform() - 0.5) * pow(10, Double(Int(rng.uniform() * 12) - 6))
            let span = pow(10, rng.uniform() * 10 - 5)
            let count = 2 + Int(rng.uniform() * 9)
            let scale = LinearScale(domain: low...(low + span), tickCount: count)
            let mantissa = scale.tickStep / pow(10, floor(log10(scale.tickStep) + 1e-9))
            #expect([1.0, 2.0, 5.0].contains { abs($0 - mantissa) < 1e-9 }, "step \(scale.tickStep)")
            let ticks = scale.ticks()
            #expect(ticks.count >= max(1, count / 3) && ticks.count <= 2 * count + 2, "\(ticks.count) ticks for count \(count)")
            #expect(ticks.allSatisfy { $0 >= low - span * 1e-9 && $0 <= low + span * (1 + 1e-9) })
        }
    }

    @Test func degenerateDomainIsWidened() {
        #expect(LinearScale(domain: 3...3).domain == 2.7...3.3)
        #expect(LinearScale(domain: 0...0).domain == -1...1)
    }

    // MARK: Labels

    @Test func labelsTakeTheirDecimalsFromTheStep() {
        #expect(LinearScale(domain: 0.8...0.95, tickCount: 3, format: .percent).tickLabels() == ["80%", "85%", "90%", "95%"])
        #expect(LinearScale(domain: 0.9...0.91, tickCount: 5, format: .percent).tickLabels() == ["90.0%", "90.2%", "90.4%", "90.6%", "90.8%", "91.0%"])
        #expect(LinearScale(domain: 0...0.003, tickCount: 3).tickLabels() == ["0.000", "0.001", "0.002", "0.003"])
        #expect(LinearScale(domain: 0...30_000, tickCount: 3).tickLabels() == ["0", "10000", "20000", "30000"])
        #expect(LinearScale(domain: 1...3, tickCount: 2, format: .fixed(0)).tickLabels() == ["1", "2", "3"])
    }

    @Test func negativeLabelsNeverReadMinusZero() {
        #expect(LinearScale(domain: -1...1, tickCount: 4).tickLabels() == ["-1.0", "-0.5", "0.0", "0.5", "1.0"])
        #expect(displayMinus("-0.5") == "\u{2212}0.5")
    }

    @Test func singleValues() {
        #expect(NumberFormat.auto.string(0) == "0")
        #expect(NumberFormat.auto.string(0.05) == "0.05")
        #expect(NumberFormat.auto.string(12.3456) == "12.35")
        #expect(NumberFormat.auto.string(-0.5) == "-0.5")
        #expect(NumberFormat.auto.string(0.00015) == "0.00015")
        #expect(NumberFormat.auto.string(.nan) == "NaN")
        #expect(NumberFormat.percent.string(0.25) == "25%" && NumberFormat.percent.string(0.923) == "92.3%")
        #expect(NumberFormat.fixed(2).string(0.5) == "0.50" && NumberFormat.fixed(2).string(-0.001) == "0.00")
    }

    // MARK: Log scales

    @Test func logScaleOverDecadesTicksAtPowersOfTen() {
        let scale = LogScale(domain: 0.0003...0.07)
        #expect(scale.ticks() == [0.001, 0.01])
        let niced = scale.niced()
        #expect(niced.domain == 0.0001...0.1)
        #expect(niced.ticks() == [0.0001, 0.001, 0.01, 0.1])
        #expect(niced.tickLabels() == ["0.0001", "0.001", "0.01", "0.1"])
        #expect(niced.minorTicks().contains(0.0002) && niced.minorTicks().contains(0.05))
    }

    @Test func shortLogScaleAddsTwosAndFivesAndLongOneThinsDecades() {
        let short = LogScale(domain: 0.15...2.3).niced(to: [1, 2, 5])
        #expect(short.domain == 0.1...5)
        #expect(short.ticks() == [0.1, 0.2, 0.5, 1, 2, 5])
        #expect(short.tickLabels() == ["0.1", "0.2", "0.5", "1", "2", "5"])
        #expect(LogScale(domain: 1e-6...1e6, tickCount: 5).ticks() == [1e-6, 0.001, 1, 1000, 1e6])
    }

    // MARK: Pixels

    @Test func positionsAreTheClosedForms() {
        let x = LinearScale(domain: 0...10, start: 50, end: 380)
        #expect(x.position(5) == 215 && x.position(0) == 50 && x.position(10) == 380)
        let y = LinearScale(domain: 0...1, start: 260, end: 20) // upwards
        #expect(y.position(0.25) == 200)
        let log = LogScale(domain: 1...100, start: 0, end: 200)
        #expect(abs(log.position(10) - 100) < 1e-9 && abs(log.position(100) - 200) < 1e-9)
        #expect(!log.accepts(0) && log.accepts(3) && !x.accepts(.nan))
    }

    // MARK: Automatic ranges

    @Test func automaticAxisAvoidsWastingHalfThePlot() {
        // -5.3...5 would round out to -10...5 with a step of 5: the axis rounds to a finer step
        // (0.5) and keeps the coarse ticks.
        let scale = Axis().scale(extent: -5.3...5.0, start: 0, end: 300, defaultTickCount: 3)
        #expect(scale.domain == -5.5...5)
        #expect(scale.ticks() == [-5, 0, 5])
        #expect(Axis.log().scale(extent: 0.15...2.3, start: 0, end: 300, defaultTickCount: 5).domain == 0.1...5)
    }

    @Test func headroomRoundsToAFineStepAndNeverCrossesZero() {
        let axis = Axis(padding: 0.03)
        let accuracy = axis.scale(extent: 0.33...0.895, start: 0, end: 300, defaultTickCount: 6)
        #expect(accuracy.domain.upperBound > 0.895 && accuracy.domain.upperBound <= 0.92)
        #expect(accuracy.domain.lowerBound >= 0.3 && accuracy.domain.lowerBound < 0.33)
        #expect(axis.scale(extent: 0...1, start: 0, end: 300, defaultTickCount: 5).domain.lowerBound == 0)
        #expect(Axis().scale(extent: 0...1, start: 0, end: 300, defaultTickCount: 5).domain == 0...1)
    }

    @Test func categoryAxisSpansOneUnitPerCategory() {
        let scale = Axis.categories(["a", "b", "c"]).scale(extent: nil, start: 100, end: 400, defaultTickCount: 5)
        #expect(scale.domain == 0...3)
        #expect(scale.position(1.5) == 250)
    }
}
