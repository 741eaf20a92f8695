import Foundation
import Testing
@testable import FunnelCharts

@Suite struct ChartScaleTests {
    // MARK: Linear ticks

    @Test func unitIntervalGetsFifths() {
        let scale = LinearScale(domain: 0...1, tickCount: 5)
        #expect(scale.ticks() == [0, 0.2, 0.4, 0.6, 0.8, 1.0])
        #expect(scale.tickLabels() == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    }

    @Test func unitIntervalGetsTenthsThatEqualTheirLiterals() {
        // 0.1 * 3 would be 0.30000000000000004; the ticks must be the decimals as written.
        let ticks = LinearScale(domain: 0...1, tickCount: 10).ticks()
        #expect(ticks == [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    }

    @Test func ticksStayInsideAnUnevenDomain() {
        let scale = LinearScale(domain: -3.7...12.2, tickCount: 5)
        #expect(scale.ticks() == [0, 5, 10])
        #expect(scale.niced().domain == -5...15)
        #expect(scale.niced().ticks() == [-5, 0, 5, 10, 15])
    }

    @Test func nicedDomainEndsOnTicks() {
        #expect(LinearScale(domain: 0.013...0.97, tickCount: 5).niced().domain == 0...1)
        #expect(LinearScale(domain: 0.8132...0.8897, tickCount: 4).niced().domain == 0.8...0.9)
        #expect(LinearScale(domain: 17...83, tickCount: 6).niced().domain == 10...90)
    }

    @Test func stepsAreOneTwoOrFiveTimesAPowerOfTen() {
        var rng = ChartDemo.Random(state: 42)
        for _ in 0..<500 {
            let low = (rng.uniform() - 0.5) * pow(10, Double(Int(rng.uniform() * 12) - 6))
            let span = pow(10, rng.uniform() * 10 - 5)
            let count = 2 + Int(rng.uniform() * 9)
            let scale = LinearScale(domain: low...(low + span), tickCount: count)
            let step = scale.tickStep
            let mantissa = step / pow(10, floor(log10(step) + 1e-9))
            #expect([1.0, 2.0, 5.0].contains { abs($0 - mantissa) < 1e-9 }, "step \(step)")
            let ticks = scale.ticks()
            #expect(ticks.count >= max(1, count / 3) && ticks.count <= 2 * count + 2, "\(ticks.count) ticks for count \(count)")
            #expect(ticks.allSatisfy { $0 >= low - span * 1e-9 && $0 <= low + span * (1 + 1e-9) })
        }
    }

    @Test func degenerateDomainIsWidened() {
        #expect(LinearScale(domain: 3...3).domain == 2.7...3.3)
        #expect(LinearScale(domain: 0...0).domain == -1...1)
    }

    // MARK: Linear labels

    @Test func percentLabelsTakeDecimalsFromTheStep() {
        let coarse = LinearScale(domain: 0.8...0.95, tickCount: 3, format: .percent(nil))
        #expect(coarse.tickLabels() == ["80%", "85%", "90%", "95%"])
        let fine = LinearScale(domain: 0.9...0.91, tickCount: 5, format: .percent(nil))
        #expect(fine.tickLabels() == ["90.0%", "90.2%", "90.4%", "90.6%", "90.8%", "91.0%"])
    }

    @Test func largeValuesGetSIPrefixes() {
        #expect(LinearScale(domain: 0...4e9, tickCount: 4).tickLabels() == ["0", "1G", "2G", "3G", "4G"])
        #expect(LinearScale(domain: 3.8e9...3.95e9, tickCount: 3).tickLabels() == ["3.80G", "3.85G", "3.90G", "3.95G"])
        #expect(LinearScale(domain: 0...3e7, tickCount: 3).tickLabels() == ["0", "10M", "20M", "30M"])
        #expect(LinearScale(domain: 0...30_000, tickCount: 3, format: .si(nil)).tickLabels() == ["0", "10k", "20k", "30k"])
    }

    @Test func tinyStepsGetScientificLabels() {
        #expect(LinearScale(domain: 0...0.0005, tickCount: 5).tickLabels() == ["0", "1e-4", "2e-4", "3e-4", "4e-4", "5e-4"])
        #expect(LinearScale(domain: 0...0.003, tickCount: 3).tickLabels() == ["0.000", "0.001", "0.002", "0.003"])
    }

    @Test func negativeLabelsNeverReadMinusZero() {
        #expect(LinearScale(domain: -1...1, tickCount: 4).tickLabels() == ["-1.0", "-0.5", "0.0", "0.5", "1.0"])
        #expect(displayMinus("-0.5") == "\u{2212}0.5")
        #expect(displayMinus("1e-4") == "1e\u{2212}4")
    }

    // MARK: Number formatting

    @Test func automaticFormatOfSingleValues() {
        let f = NumberFormat.auto
        #expect(f.string(0) == "0")
        #expect(f.string(0.001) == "0.001")
        #expect(f.string(1e-4) == "1e-4")
        #expect(f.string(0.00015) == "1.5e-4")
        #expect(f.string(0.25) == "0.25")
        #expect(f.string(12.3456) == "12.35")
        #expect(f.string(-0.5) == "-0.5")
        #expect(f.string(120_000) == "120k")
        #expect(f.string(1.2e6) == "1.2M")
        #expect(f.string(25.5e6) == "25.5M")
        #expect(f.string(3.86e9) == "3.86G")
        #expect(f.string(999_999) == "1M")
        #expect(f.string(.nan) == "NaN")
    }

    @Test func explicitFormats() {
        #expect(NumberFormat.percent(nil).string(0.25) == "25%")
        #expect(NumberFormat.percent(nil).string(0.923) == "92.3%")
        #expect(NumberFormat.percent(1).string(0.25) == "25.0%")
        #expect(NumberFormat.fixed(2).string(0.5) == "0.50")
        #expect(NumberFormat.fixed(2).string(-0.001) == "0.00")
        #expect(NumberFormat.si(1).string(3.9e9) == "3.9G")
        #expect(NumberFormat.si(nil).string(1_200_000) == "1.2M")
        #expect(NumberFormat.scientific(nil).string(0.0001) == "1e-4")
        #expect(NumberFormat.scientific(2).string(0.000123) == "1.23e-4")
        #expect(NumberFormat.scientific(1).string(9.996e-5) == "1.0e-4")
    }

    // MARK: Log scales

    @Test func logScaleOverDecadesTicksAtPowersOfTen() {
        let scale = LogScale(domain: 0.0003...0.07)
        #expect(scale.ticks() == [0.001, 0.01])
        let niced = scale.niced()
        #expect(niced.domain == 0.0001...0.1)
        #expect(niced.ticks() == [0.0001, 0.001, 0.01, 0.1])
        #expect(niced.tickLabels() == ["1e-4", "0.001", "0.01", "0.1"])
        #expect(niced.minorTicks().contains(0.0002))
        #expect(niced.minorTicks().contains(0.05))
    }

    @Test func shortLogScaleAddsTwosAndFives() {
        let scale = LogScale(domain: 0.15...2.3).nicedToSteps()
        #expect(scale.domain == 0.1...5)
        #expect(scale.ticks() == [0.1, 0.2, 0.5, 1, 2, 5])
        #expect(scale.tickLabels() == ["0.1", "0.2", "0.5", "1", "2", "5"])
    }

    @Test func longLogScaleThinsDecades() {
        let scale = LogScale(domain: 1e-6...1e6, tickCount: 5)
        #expect(scale.ticks() == [1e-6, 0.001, 1, 1000, 1e6])
        #expect(scale.tickLabels() == ["1e-6", "0.001", "1", "1000", "1M"])
    }

    // MARK: Mapping to pixels

    @Test func linearPositionsMatchHandComputation() {
        let x = LinearScale(domain: 0...10, start: 50, end: 380)
        #expect(x(5) == 215)
        #expect(x(0) == 50)
        #expect(x(10) == 380)
        let y = LinearScale(domain: 0...1, start: 260, end: 20) // upwards
        #expect(y(0.25) == 200)
        #expect(y(1) == 20)
    }

    @Test func logPositionsAreEvenPerDecade() {
        let scale = LogScale(domain: 1...100, start: 0, end: 200)
        #expect(abs(scale(10) - 100) < 1e-9)
        #expect(abs(scale(100) - 200) < 1e-9)
        #expect(abs(scale(1) - 0) < 1e-9)
    }

    @Test func automaticAxisAvoidsWastingHalfThePlot() {
        // -5.3...5 would round out to -10...5 with a step of 5: the axis rounds to a finer step
        // (0.5) and keeps the coarse ticks.
        let axis = ChartAxis()
        let scale = axis.scale(extent: -5.3...5.0, start: 0, end: 300, defaultTickCount: 3)
        #expect(scale.domain == -5.5...5)
        #expect(scale.ticks() == [-5, 0, 5])
        let log = ChartAxis.log().scale(extent: 0.15...2.3, start: 0, end: 300, defaultTickCount: 5)
        #expect(log.domain == 0.1...5)
    }

    @Test func headroomRoundsToAFineStepAndNeverCrossesZero() {
        let axis = ChartAxis()
        let accuracy = axis.scale(extent: 0.33...0.895, start: 0, end: 300, defaultTickCount: 6, defaultPadding: 0.03)
        #expect(accuracy.domain.upperBound > 0.895 && accuracy.domain.upperBound <= 0.92)
        #expect(accuracy.domain.lowerBound >= 0.3 && accuracy.domain.lowerBound < 0.33)
        #expect(accuracy.ticks().first == 0.4 || accuracy.ticks().first == 0.3)
        let fromZero = axis.scale(extent: 0...1, start: 0, end: 300, defaultTickCount: 5, defaultPadding: 0.03)
        #expect(fromZero.domain.lowerBound == 0)
        #expect(ChartAxis(padding: 0).scale(extent: 0...1, start: 0, end: 300, defaultTickCount: 5, defaultPadding: 0.03).domain == 0...1)
    }
}
