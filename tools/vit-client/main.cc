// vit-client: talks to a running vit-server (classify, health, info, load).
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "tools/vit-client/client_commands.h"
#include "tools/vit-client/load_generator.h"

int main(int argc, char** argv) {
  CLI::App app{"vit-client: classify images with a running vit-server"};
  app.require_subcommand(1);
  vit::client::ConnectionOptions connection;
  app.add_option("--server", connection.server, "Server HOST:PORT")
      ->envname("VIT_SERVER")
      ->capture_default_str();
  app.add_option("--timeout-ms", connection.timeout_ms, "Per-call deadline; 0 = none")
      ->capture_default_str();
  app.add_flag("--tls", connection.tls, "Use TLS (implied by --tls-ca and --tls-cert)");
  app.add_option("--tls-ca", connection.tls_ca,
                 "PEM root certificates that sign the server's certificate; empty = system roots")
      ->envname("VIT_TLS_CA");
  app.add_option("--tls-cert", connection.tls_cert,
                 "PEM client certificate chain, for servers that require mutual TLS")
      ->envname("VIT_TLS_CLIENT_CERT");
  app.add_option("--tls-key", connection.tls_key, "PEM private key of --tls-cert")
      ->envname("VIT_TLS_CLIENT_KEY");
  app.add_option("--token-file", connection.token_file,
                 "File holding the bearer token sent as 'authorization: Bearer TOKEN'; "
                 "empty = env VIT_AUTH_TOKEN; neither = no token")
      ->envname("VIT_AUTH_TOKEN_FILE");

  vit::client::ClassifyOptions classify_options;
  std::vector<std::string> files;
  CLI::App* classify = app.add_subcommand("classify", "Classify image files; prints the top-k");
  classify->add_option("files", files, "Image files")->required();
  classify->add_option("--top-k", classify_options.top_k, "Predictions; 0 = server default")
      ->capture_default_str();
  classify->add_option("--model", classify_options.model, "Model name; empty = served model");
  classify->add_flag("--json", classify_options.json, "One JSON object per image");

  CLI::App* health = app.add_subcommand("health", "Exit 0 only when the server is SERVING");

  bool info_json = false;
  CLI::App* info = app.add_subcommand("info", "Describe the served model");
  info->add_flag("--json", info_json, "Print JSON");

  vit::client::LoadOptions load_options;
  std::vector<std::string> load_files;
  CLI::App* load = app.add_subcommand("load", "Throughput and latency under concurrent load");
  load->add_option("files", load_files, "Images sent round-robin")->required();
  load->add_option("--concurrency", load_options.concurrency, "Concurrent callers")
      ->capture_default_str();
  load->add_option("--duration-s", load_options.duration_s, "Run time when --count is 0")
      ->capture_default_str();
  load->add_option("--count", load_options.count, "Total requests; 0 = use --duration-s")
      ->capture_default_str();
  load->add_option("--connections", load_options.connections,
                   "gRPC connections; 0 = min(concurrency, 4)")
      ->capture_default_str();
  load->add_option("--top-k", load_options.top_k, "Predictions per request")->capture_default_str();
  load->add_flag("--json", load_options.json, "Print the report as JSON");
  load->add_option("--mix", load_options.mix,
                   "Soak mix KIND=WEIGHT,... of valid, corrupt (random bytes), oversized "
                   "(PNG over the server's --max-pixels), deadline (a few ms), cancel (cancelled "
                   "by the client); reports codes per kind, lost and wrong answers; empty = valid "
                   "images only");
  load->add_option("--oversized-side", load_options.oversized_side,
                   "Side in pixels of the square 'oversized' PNG (side^2 must exceed the "
                   "server's --max-pixels)")
      ->capture_default_str();
  load->add_option("--tight-deadline-ms", load_options.tight_deadline_ms,
                   "'deadline' requests get a deadline of 1..N ms")
      ->capture_default_str();
  load->add_option("--cancel-after-ms", load_options.cancel_after_ms,
                   "'cancel' requests are cancelled after 0..N ms")
      ->capture_default_str();
  load->add_option("--backoff-ms", load_options.backoff_ms,
                   "After a RESOURCE_EXHAUSTED answer a caller waits this long before its next "
                   "request")
      ->capture_default_str();
  load->add_option("--seed", load_options.seed, "Seed of the --mix draws")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;  // --help is 0; usage errors are 1
  }
  if (vit::Status status = vit::client::LoadConnectionFiles(&connection); !status.ok()) {
    std::cerr << status.message() << "\n";
    return 1;
  }
  if (classify->parsed()) return vit::client::RunClassify(connection, classify_options, files);
  if (health->parsed()) return vit::client::RunHealth(connection);
  if (info->parsed()) return vit::client::RunInfo(connection, info_json);
  if (load->parsed()) return vit::client::RunLoad(connection, load_options, load_files);
  return 1;
}
