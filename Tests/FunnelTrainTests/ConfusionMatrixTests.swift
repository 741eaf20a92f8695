import Testing
@testable import FunnelTrain

@Suite struct ConfusionMatrixTests {
    @Test func handComputedIoUAndPixelAccuracy() {
        // 3 classes; class 2 is neither in the truth nor predicted. Truth / prediction:
        //   0 0 0 1 1 1 255 255
        //   0 0 1 1 1 0   2   1    (the two 255 pixels are ignored, whatever is predicted)
        var m = ConfusionMatrix(classes: 3)
        m.add(predicted: [0, 0, 1, 1, 1, 0, 2, 1], truth: [0, 0, 0, 1, 1, 1, 255, 255])
        #expect(m.total == 6 && m.correct == 4)
        #expect(m.pixelAccuracy == 4.0 / 6)
        // Class 0: TP 2, FP 1 (a 1 predicted 0), FN 1 -> 2/4. Class 1: TP 2, FP 1, FN 1 -> 2/4. Class 2: no union.
        #expect(m.classIoU == [0.5, 0.5, nil])
        #expect(m.meanIoU == 0.5)
        // A wrong prediction of class 2 gives it a union: IoU 0, and the mean now counts it.
        m.add(predicted: [2], truth: [0])
        #expect(m.classIoU == [2.0 / 5, 0.5, 0])
        #expect(abs(m.meanIoU - (0.4 + 0.5 + 0) / 3) < 1e-12)
    }

    @Test func emptyMatrixGivesZeros() {
        let m = ConfusionMatrix(classes: 2)
        #expect(m.pixelAccuracy == 0 && m.meanIoU == 0 && m.classIoU == [nil, nil])
    }
}
