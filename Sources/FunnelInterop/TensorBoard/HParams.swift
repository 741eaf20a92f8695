import FunnelTrain

extension TensorBoard {
    /// The summaries of TensorBoard's hparams plugin, as `tensorboard.plugins.hparams.summary_v2`
    /// (`hparams_pb`) and `summary` (`session_end_pb`) write them: a `Value` whose metadata names
    /// plugin "hparams" and carries an `HParamsPluginData` (plugin_data.proto: version 1,
    /// experiment 2, session_start_info 3, session_end_info 4) over an empty tensor.
    ///
    /// Each run writes its own session start and end and no `experiment`: the plugin then builds
    /// the experiment from every run's session, with every value of every hyperparameter, and takes
    /// every scalar tag of the session's run as a metric. One experiment message written by one
    /// run would instead fix the hyperparameters' domains to that run's values.
    public enum HParams {
        public static let pluginName = "hparams"
        public static let sessionStartTag = "_hparams_/session_start_info"
        public static let sessionEndTag = "_hparams_/session_end_info"

        /// A hyperparameter's value: a `google.protobuf.Value` (struct.proto: number 2, string 3, bool 4).
        public enum Value: Equatable, Sendable {
            case number(Double)
            case string(String)
            case bool(Bool)

            func encode(into w: inout ProtobufWriter) {
                switch self {
                case let .number(value): w.double(2, value)
                case let .string(value): w.string(3, value)
                case let .bool(value): w.bool(4, value)
                }
            }
        }

        /// How a session ended (api.proto `Status`).
        public enum Status: Int, Sendable {
            case unknown = 0, success = 1, failure = 2, running = 3
        }

        /// `SessionStartInfo` (hparams 1, group_name 4, start_time_secs 5). Sessions of one group
        /// are aggregated in the dashboard; a run is a group of its own.
        public static func sessionStart(_ hyperparameters: [String: Value], group: String, startTime: Double) -> TensorBoard.Value {
            summary(tag: sessionStartTag, field: 3) { info in
                for (name, value) in hyperparameters.sorted(by: { $0.key < $1.key }) {
                    info.message(1) { entry in  // a map entry: key 1, value 2
                        entry.string(1, name)
                        entry.message(2) { value.encode(into: &$0) }
                    }
                }
                info.string(4, group)
                info.double(5, startTime)
            }
        }

        /// `SessionEndInfo` (status 1, end_time_secs 2).
        public static func sessionEnd(_ status: Status, endTime: Double) -> TensorBoard.Value {
            summary(tag: sessionEndTag, field: 4) { info in
                info.int(1, status.rawValue)
                info.double(2, endTime)
            }
        }

        private static func summary(tag: String, field: Int, _ body: (inout ProtobufWriter) -> Void) -> TensorBoard.Value {
            var content = ProtobufWriter()
            content.message(field, body)
            return TensorBoard.Value(tag: tag, metadata: SummaryMetadata(pluginName: pluginName, pluginContent: content.bytes), .emptyTensor)
        }

        /// A run's configuration as hyperparameters, one per field of its JSON (`TrainConfig`'s
        /// names: `model`, `act`, `lr`, `batch_size`, ...): numbers, strings and booleans as they
        /// are, lists as comma-separated text (`milestones` = "100,150"), nested objects as
        /// `outer.inner`; absent and null fields are left out.
        public static func hyperparameters(configJSON: String) throws -> [String: Value] {
            var result: [String: Value] = [:]
            func add(_ name: String, _ value: JSONValue) {
                switch value {
                case .null: break
                case let .bool(b): result[name] = .bool(b)
                case let .number(n): result[name] = .number(n)
                case let .string(s): result[name] = .string(s)
                case let .array(items): result[name] = .string(items.map(text).joined(separator: ","))
                case let .object(fields): for (key, inner) in fields { add(name.isEmpty ? key : "\(name).\(key)", inner) }
                }
            }
            add("", try JSONValue(parsing: configJSON))
            return result
        }

        /// A list item as text: numbers without a needless `.0`.
        private static func text(_ value: JSONValue) -> String {
            switch value {
            case .null: "null"
            case let .bool(b): "\(b)"
            case let .number(n): n == n.rounded() && abs(n) < 1e15 ? "\(Int64(n))" : "\(n)"
            case let .string(s): s
            case .array, .object: (try? RunSpec.json(value)) ?? "?"
            }
        }
    }
}
