import Foundation
import FunnelTestSupport
import FunnelTrain

/// What TensorBoard itself reads from a log directory: each run through its `EventAccumulator`
/// (everything kept: size guidance 0), the hparams summaries through the hparams plugin's own
/// parsers, and the HParams dashboard's experiment and session groups through the plugin's
/// request handlers (`get_experiment`, `list_session_groups`) over TensorBoard's data provider.
struct TensorBoardReadBack: Decodable {
    struct Run: Decodable {
        /// tag -> [[step, value]] (values as float32 widened).
        var scalars: [String: [[Double]]]
        /// tag -> [[step, min, max, num, sum, sum_squares, bucket total]].
        var histograms: [String: [[Double]]]
        /// tag -> the summary description TensorBoard keeps for it.
        var descriptions: [String: String]
        var hparams: [String: JSONValue]
        var group: String?
        var sessionStarts: Int
        var sessionEnds: Int
        /// api.proto Status of the session end (1: success).
        var endStatus: Int?
        var eventFiles: Int

        /// The (step, value) pairs of `tag`.
        func points(_ tag: String) -> [(step: Int, value: Double)] {
            (scalars[tag] ?? []).map { (Int($0[0]), $0[1]) }
        }
    }

    struct Group: Decodable {
        var name: String
        var hparams: [String: JSONValue]
        var metrics: [String: Double]
        var statuses: [String]
    }

    /// By run name relative to the log directory (`resnet20-relu-s0/tb`).
    var runs: [String: Run]
    /// The HParams view's experiment: hyperparameter names and metric tags.
    var hparamNames: [String]
    var metricTags: [String]
    var hparamDomains: [String: [JSONValue]]
    var groups: [Group]

    /// Reads `logDirectory` with the tests' Python.
    static func read(_ logDirectory: URL) throws -> TensorBoardReadBack {
        let result = try TestServices.python(script, [logDirectory.path])
        guard result.status == 0 else {
            throw ReadError(description: "reading \(logDirectory.path) with TensorBoard failed (\(result.status)): \(result.stderr.suffix(3000))")
        }
        do {
            return try JSONDecoder().decode(TensorBoardReadBack.self, from: Data(result.stdout.utf8))
        } catch {
            throw ReadError(description: "TensorBoard's reading of \(logDirectory.path) is not the JSON expected: \(error)\n\(result.stdout.prefix(2000))")
        }
    }

    struct ReadError: Error, CustomStringConvertible { var description: String }

    static let script = #"""
import json, logging, os, sys
logging.disable(logging.WARNING)
from tensorboard import context as tb_context
from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins import base_plugin
from tensorboard.plugins.hparams import api_pb2, backend_context, get_experiment, list_session_groups, metadata

def value(v):
    kind = v.WhichOneof("kind")
    return {"number_value": v.number_value, "string_value": v.string_value, "bool_value": v.bool_value}.get(kind)

logdir = sys.argv[1]
keep_all = {"scalars": 0, "histograms": 0, "tensors": 0, "compressedHistograms": 0, "images": 0, "audio": 0}
runs = {}
for folder, _, files in os.walk(logdir):
    events = [f for f in files if "tfevents" in f]
    if not events:
        continue
    acc = EventAccumulator(folder, size_guidance=keep_all)
    acc.Reload()
    tags = acc.Tags()
    run = {"scalars": {}, "histograms": {}, "descriptions": {}, "hparams": {}, "group": None,
           "sessionStarts": 0, "sessionEnds": 0, "endStatus": None, "eventFiles": len(events)}
    for tag in tags["scalars"]:
        run["scalars"][tag] = [[e.step, e.value] for e in acc.Scalars(tag)]
        description = acc.SummaryMetadata(tag).summary_description
        if description:
            run["descriptions"][tag] = description
    for tag in tags["histograms"]:
        run["histograms"][tag] = [[e.step, h.min, h.max, h.num, h.sum, h.sum_squares, sum(h.bucket)]
                                  for e in acc.Histograms(tag) for h in [e.histogram_value]]
    try:
        content = acc.PluginTagToContent(metadata.PLUGIN_NAME)
    except KeyError:
        content = {}
    if metadata.SESSION_START_INFO_TAG in content:
        start = metadata.parse_session_start_info_plugin_data(content[metadata.SESSION_START_INFO_TAG])
        run["hparams"] = {k: value(v) for k, v in start.hparams.items()}
        run["group"] = start.group_name
        run["sessionStarts"] = len(acc.Tensors(metadata.SESSION_START_INFO_TAG))
    if metadata.SESSION_END_INFO_TAG in content:
        run["endStatus"] = metadata.parse_session_end_info_plugin_data(content[metadata.SESSION_END_INFO_TAG]).status
        run["sessionEnds"] = len(acc.Tensors(metadata.SESSION_END_INFO_TAG))
    runs[os.path.relpath(folder, logdir)] = run

mux = plugin_event_multiplexer.EventMultiplexer(size_guidance=keep_all)
mux.AddRunsFromDirectory(logdir)
mux.Reload()
context = backend_context.Context(base_plugin.TBContext(
    logdir=logdir, multiplexer=mux, data_provider=data_provider.MultiplexerDataProvider(mux, logdir)))
request = tb_context.RequestContext()
experiment = get_experiment.Handler(request, context, "", api_pb2.GetExperimentRequest()).run()
groups = list_session_groups.Handler(request, context, "", api_pb2.ListSessionGroupsRequest(
    start_index=0, slice_size=1000, allowed_statuses=[0, 1, 2, 3])).run()

def domain(info):
    if info.HasField("domain_discrete"):
        return [value(v) for v in info.domain_discrete.values]
    return [info.domain_interval.min_value, info.domain_interval.max_value]

print(json.dumps({
    "runs": runs,
    "hparamNames": [h.name for h in experiment.hparam_infos],
    "hparamDomains": {h.name: domain(h) for h in experiment.hparam_infos},
    "metricTags": [m.name.tag for m in experiment.metric_infos],
    "groups": [{"name": g.name, "hparams": {k: value(v) for k, v in g.hparams.items()},
                "metrics": {m.name.tag: m.value for m in g.metric_values},
                "statuses": [api_pb2.Status.Name(s.status) for s in g.sessions]} for g in groups.session_groups],
}))
"""#
}
