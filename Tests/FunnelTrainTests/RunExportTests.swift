import Foundation
import Testing
@testable import FunnelTrain

@Suite struct RunExportTests {
    /// Two runs: one finished with two epochs (one with an extra metric, trained by another build
    /// after a resume) and a config needing CSV quoting; one failed before its first epoch, with a
    /// multi-line error and no experiment.
    func makeStore() throws -> TemporaryStore {
        let fixture = try TemporaryStore()
        let store = fixture.store
        let config = #"{"lr":0.1,"note":"a, \"b\""}"#
        let first = try store.createRun(spec("r20-relu", config: config), startedAt: t0).id
        try store.appendEpoch(EpochRecord(runID: first, epoch: 1, trainLoss: 1.5, trainAcc: 45.25, testLoss: 1.25, testTop1: 55,
                                          testTop5: 95.5, lr: 0.1, seconds: 180.5, imagesPerSecond: 277, commit: "abc123"))
        try store.appendEpoch(EpochRecord(runID: first, epoch: 2, trainLoss: 0.75, trainAcc: 70.5, testLoss: 1, testTop1: 63.5,
                                          testTop5: 97, lr: 0.05, seconds: 179, imagesPerSecond: 279.5, extra: ["ece": 0.125],
                                          commit: "def456"))
        try store.finishRun(first, checkpoint: "runs/1/final.safetensors", at: t0.addingTimeInterval(3600))
        var failed = spec("r20-frelu", experiment: nil, act: "frelu", seed: 1)
        failed.gitCommit = nil
        let second = try store.createRun(failed, startedAt: t0.addingTimeInterval(10)).id
        try store.failRun(second, error: "loss is NaN\nat epoch 3", at: t0.addingTimeInterval(70))
        return fixture
    }

    @Test func exportsExactCSV() throws {
        let fixture = try makeStore()
        defer { fixture.remove() }
        let csv = try fixture.store.exportCSV()
        let expected = #"""
            run_id,name,experiment,model,act,dataset,seed,status,git_commit,host,cpu,threads,started_at,ended_at,error,checkpoint,epochs,best_test_top1,best_epoch,final_test_top1,final_test_top5,final_test_loss,final_train_loss,config,epoch,epoch_git_commit,train_loss,train_acc,test_loss,test_top1,test_top5,lr,seconds,images_per_second,extra.ece
            1,r20-relu,exp,resnet20,relu,cifar10,0,finished,abc123,box,"Test CPU, 2 cores",2,2023-11-14T22:13:20.000Z,2023-11-14T23:13:20.000Z,,runs/1/final.safetensors,2,63.5,2,63.5,97.0,1.0,0.75,"{""lr"":0.1,""note"":""a, \""b\""""}",1,abc123,1.5,45.25,1.25,55.0,95.5,0.1,180.5,277.0,
            1,r20-relu,exp,resnet20,relu,cifar10,0,finished,abc123,box,"Test CPU, 2 cores",2,2023-11-14T22:13:20.000Z,2023-11-14T23:13:20.000Z,,runs/1/final.safetensors,2,63.5,2,63.5,97.0,1.0,0.75,"{""lr"":0.1,""note"":""a, \""b\""""}",2,def456,0.75,70.5,1.0,63.5,97.0,0.05,179.0,279.5,0.125
            2,r20-frelu,,resnet20,frelu,cifar10,1,failed,,box,"Test CPU, 2 cores",2,2023-11-14T22:13:30.000Z,2023-11-14T22:14:30.000Z,"loss is NaN
            at epoch 3",,0,,,,,,,{},,,,,,,,,,,

            """#
        #expect(csv == expected)
        // Filters apply to exports too.
        #expect(try fixture.store.exportCSV(RunFilter(status: .failed)).split(separator: "\n").count == 3)
    }

    @Test func quotesCSVFieldsOnlyWhenNeeded() {
        #expect(CSVTable.field("plain") == "plain")
        #expect(CSVTable.field("a,b") == #""a,b""#)
        #expect(CSVTable.field(#"say "hi""#) == #""say ""hi""""#)
        #expect(CSVTable.field("two\nlines") == "\"two\nlines\"")
        #expect(CSVTable.field("crlf\r\nend") == "\"crlf\r\nend\"")
        #expect(CSVTable.field(" padded") == "\" padded\"")
        #expect(CSVTable.field("") == "")
    }

    @Test func exportsJSONWithEmbeddedConfig() throws {
        let fixture = try makeStore()
        defer { fixture.remove() }
        let json = try fixture.store.exportJSON()
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(parsed.count == 2)
        let run = try #require(parsed[0]["run"] as? [String: Any])
        #expect(run["name"] as? String == "r20-relu")
        #expect(run["started_at"] as? String == "2023-11-14T22:13:20.000Z")
        // The config is embedded as an object, not as an escaped string.
        let config = try #require(run["config"] as? [String: Any])
        #expect(config["note"] as? String == #"a, "b""#)
        let summary = try #require(run["summary"] as? [String: Any])
        #expect(summary["best_test_top1"] as? Double == 63.5)
        let epochs = try #require(parsed[0]["epochs"] as? [[String: Any]])
        #expect(epochs.map { $0["epoch"] as? Int } == [1, 2])
        #expect((epochs[1]["extra"] as? [String: Double])?["ece"] == 0.125)
        #expect(epochs[0]["test_top1"] as? Double == 55)
        // Each epoch names the build that trained it.
        #expect(epochs.map { $0["git_commit"] as? String } == ["abc123", "def456"])
        let failed = try #require(parsed[1]["run"] as? [String: Any])
        #expect(failed["experiment"] is NSNull)
        #expect(failed["error"] as? String == "loss is NaN\nat epoch 3")
        #expect((parsed[1]["epochs"] as? [Any])?.isEmpty == true)
        // Deterministic: the same store exports the same text.
        #expect(try fixture.store.exportJSON() == json)
    }
}
