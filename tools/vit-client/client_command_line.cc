#include "tools/vit-client/client_command_line.h"

#include <CLI/CLI.hpp>

#include "rpc/connection_flags.h"

namespace vit::client {
namespace {

// A subcommand's --help lists its own flags only.
constexpr const char* kConnectionFooter =
    "Connection and protocol flags (--server, --timeout-ms, --tls*, --token-file, --protocol, "
    "--model: see vit-client --help) may also come after the subcommand.";

constexpr const char* kProtocolGroup = "Protocol";

// --protocol and --model: which front door, and the model requests name.
void AddFrontDoorFlags(CLI::App* app, FrontDoorOptions* door) {
  app->add_option_function<std::string>(
         "--protocol",
         [door](const std::string& name) { door->protocol = ParseProtocol(name).value(); },
         "Front door: vit (vit.v1 gRPC API), oip-grpc (Open Inference Protocol / KServe v2 "
         "over gRPC, same port as vit), oip-http (Open Inference Protocol over HTTP/REST with "
         "the binary tensor data extension; --server is then the HTTP address, default "
         "localhost:8000, or an http(s):// URL)")
      ->check(CLI::IsMember({"vit", "oip-grpc", "oip-http"}))
      ->envname("VIT_CLIENT_PROTOCOL")
      ->option_text("vit|oip-grpc|oip-http=vit (Env:VIT_CLIENT_PROTOCOL)")
      ->default_str("vit")
      ->group(kProtocolGroup);
  app->add_option("--model", door->model,
                  "Model name every request carries; empty = the served model (vit: the "
                  "server's default; oip-*: asked of the server through the statistics "
                  "extension, which must list exactly one)")
      ->group(kProtocolGroup);
}

CLI::App* AddClassify(CLI::App* app, ClientArguments* a) {
  CLI::App* classify = app->add_subcommand("classify", "Classify image files; prints the top-k");
  classify->add_option("files", a->classify_files, "Image files")->required();
  classify
      ->add_option("--top-k", a->classify.top_k,
                   "Predictions; 0 = the server's default (vit: 5), 5 over oip-*")
      ->capture_default_str();
  classify->add_flag("--json", a->classify.json, "One JSON object per image");
  return classify;
}

CLI::App* AddExplain(CLI::App* app, ClientArguments* a) {
  ExplainOptions& o = a->explain;
  CLI::App* explain = app->add_subcommand(
      "explain",
      "Explain image files (vit.v1 Explain, --protocol vit only): writes the heat map blended "
      "over each image as OUT/NAME.explain.png and prints the top-1 prediction and the path");
  explain->add_option("files", a->explain_files, "Image files")->required();
  explain->add_option("--out", o.out_dir, "Folder for the overlays (created when missing)")
      ->required();
  explain
      ->add_option("--method", o.method,
                   "rollout (attention rollout over every block) or attention (the last "
                   "block's only)")
      ->check(CLI::IsMember({"rollout", "attention"}))
      ->capture_default_str();
  explain->add_option("--head-fusion", o.head_fusion, "How heads are fused: mean, max or min")
      ->check(CLI::IsMember({"mean", "max", "min"}))
      ->capture_default_str();
  explain
      ->add_option("--discard-ratio", o.discard_ratio,
                   "Share of each block's smallest attention entries set to 0, in [0, 1)")
      ->check(CLI::Range(0.0f, 0.999999f))
      ->capture_default_str();
  explain->add_option("--top-k", o.top_k, "Predictions asked for; 0 = the server's default")
      ->capture_default_str();
  return explain;
}

CLI::App* AddInfo(CLI::App* app, ClientArguments* a) {
  CLI::App* info = app->add_subcommand("info", "Describe the served model");
  info->add_flag("--json", a->info_json, "Print JSON");
  return info;
}

CLI::App* AddLoad(CLI::App* app, ClientArguments* a) {
  LoadOptions& o = a->load;
  CLI::App* load = app->add_subcommand(
      "load",
      "Throughput and latency under concurrent load, through the --protocol front door: each "
      "caller times its blocking classify call (oip-*: the probabilities output with "
      "classification = --top-k, the work vit.v1 Classify does)");
  load->add_option("files", a->load_files, "Images sent round-robin")->required();
  load->add_option("--concurrency", o.concurrency, "Concurrent callers")->capture_default_str();
  load->add_option("--duration-s", o.duration_s, "Run time when --count is 0")
      ->capture_default_str();
  load->add_option("--count", o.count, "Total requests; 0 = use --duration-s")
      ->capture_default_str();
  load->add_option("--connections", o.connections,
                   "gRPC connections the callers share; 0 = min(concurrency, 4); oip-http: one "
                   "keep-alive connection per caller")
      ->capture_default_str();
  load->add_option("--top-k", o.top_k, "Predictions per request (oip-*: classification = k)")
      ->capture_default_str();
  load->add_flag("--json", o.json, "Print the report as JSON");
  load->add_option("--mix", o.mix,
                   "Soak mix KIND=WEIGHT,... of valid, corrupt (random bytes), oversized "
                   "(PNG over the server's --max-pixels), deadline (a few ms), cancel (cancelled "
                   "by the client); reports codes per kind, lost and wrong answers; vit protocol "
                   "only; empty = valid images only");
  load->add_option("--oversized-side", o.oversized_side,
                   "Side in pixels of the square 'oversized' PNG (side^2 must exceed the "
                   "server's --max-pixels)")
      ->capture_default_str();
  load->add_option("--tight-deadline-ms", o.tight_deadline_ms,
                   "'deadline' requests get a deadline of 1..N ms")
      ->capture_default_str();
  load->add_option("--cancel-after-ms", o.cancel_after_ms,
                   "'cancel' requests are cancelled after 0..N ms")
      ->capture_default_str();
  load->add_option("--backoff-ms", o.backoff_ms,
                   "After a RESOURCE_EXHAUSTED answer (without --mix also UNAVAILABLE: HTTP's "
                   "503) a caller waits this long before its next request")
      ->capture_default_str();
  load->add_option("--seed", o.seed, "Seed of the --mix draws")->capture_default_str();
  return load;
}

CLI::App* AddModels(CLI::App* app, ClientArguments* a) {
  ModelsOptions& o = a->models;
  CLI::App* models = app->add_subcommand(
      "models",
      "The server's model repository: list (vit: ListModels; oip-*: the repository index), "
      "load NAME, unload NAME, reload NAME (load again: what the repository holds now); load "
      "and unload need the server's --allow-model-control. vit sends load and unload through "
      "the Open Inference Protocol on the same port");
  models->add_option("action", o.action, "list, load, unload or reload")
      ->required()
      ->check(CLI::IsMember({"list", "load", "unload", "reload"}));
  models->add_option("name", o.name, "The model (load, unload, reload)");
  models->add_flag("--ready", o.ready_only, "list: only the versions that are READY");
  models->add_flag("--json", o.json, "Print JSON");
  return models;
}

}  // namespace

ClientCommands AddClientCommands(CLI::App* app, ClientArguments* arguments) {
  app->require_subcommand(1);
  rpc::AddConnectionFlags(app, &arguments->connection);
  AddFrontDoorFlags(app, &arguments->door);
  // A subcommand hands the flags it does not know to `app`, so the
  // connection flags work after it too. Inherited by the subcommands below.
  app->fallthrough();
  ClientCommands commands;
  commands.classify = AddClassify(app, arguments);
  commands.explain = AddExplain(app, arguments);
  commands.health = app->add_subcommand("health", "Exit 0 only when the server is SERVING");
  commands.info = AddInfo(app, arguments);
  commands.load = AddLoad(app, arguments);
  commands.models = AddModels(app, arguments);
  commands.server = app->get_option("--server");
  for (CLI::App* command : {commands.classify, commands.explain, commands.health, commands.info,
                            commands.load, commands.models})
    command->footer(kConnectionFooter);
  return commands;
}

void ApplyProtocolDefaults(const ClientCommands& commands, ClientArguments* arguments) {
  if (commands.server->count() == 0)
    arguments->connection.server = DefaultServerAddress(arguments->door.protocol);
}

int RunClientCommand(const ClientCommands& commands, const ClientArguments& a) {
  if (commands.classify->parsed())
    return RunClassify(a.connection, a.door, a.classify, a.classify_files);
  if (commands.explain->parsed())
    return RunExplain(a.connection, a.door, a.explain, a.explain_files);
  if (commands.health->parsed()) return RunHealth(a.connection, a.door);
  if (commands.info->parsed()) return RunInfo(a.connection, a.door, a.info_json);
  if (commands.load->parsed()) return RunLoad(a.connection, a.door, a.load, a.load_files);
  if (commands.models->parsed()) return RunModels(a.connection, a.door, a.models);
  return 1;
}

}  // namespace vit::client
