#include "tools/vit-client/explain_command.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>

#include "common/explanation.h"
#include "common/file_util.h"
#include "vit/v1/vit.grpc.pb.h"

namespace vit::client {
namespace {

namespace fs = std::filesystem;

bool WriteFile(const std::string& path, const std::string& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok;
}

// One file: read, Explain, write the overlay, print. False after printing why.
bool ExplainFile(v1::VitService::Stub& stub, const rpc::ConnectionOptions& connection,
                 const v1::ExplainRequest& base, const std::string& out_dir,
                 const std::string& file) {
  StatusOr<std::string> image = ReadFileToString(file);
  if (!image.ok()) {
    std::cerr << image.status().message() << "\n";
    return false;
  }
  v1::ExplainRequest request = base;
  request.set_image(std::move(image).value());
  v1::ExplainResponse response;
  grpc::ClientContext context;
  rpc::PrepareContext(connection, &context);
  const grpc::Status status = stub.Explain(&context, request, &response);
  if (!status.ok()) {
    std::cerr << file << ": error " << status.error_code() << ": " << status.error_message()
              << "\n";
    return false;
  }
  const std::string path = ExplainOutputPath(out_dir, file);
  if (response.overlay_png().empty() || !WriteFile(path, response.overlay_png())) {
    std::cerr << file << ": could not write " << path << "\n";
    return false;
  }
  std::cout << file;
  if (response.predictions_size() > 0) {
    const v1::Prediction& top = response.predictions(0);
    std::printf("  %s (class %d, p=%.4f)", top.label().c_str(), top.class_index(),
                top.probability());
  }
  std::cout << "  -> " << path << std::endl;
  return true;
}

}  // namespace

std::string ExplainOutputPath(const std::string& out_dir, const std::string& file) {
  return (fs::path(out_dir) / (fs::path(file).stem().string() + ".explain.png")).string();
}

int RunExplain(const rpc::ConnectionOptions& connection, const FrontDoorOptions& door,
               const ExplainOptions& options, const std::vector<std::string>& files) {
  if (door.protocol != Protocol::kVit) {
    std::cerr << "explain is a vit.v1 call: use --protocol vit (the default)\n";
    return 1;
  }
  StatusOr<ExplainSpec> spec =
      ParseExplainSpec(options.method, options.head_fusion, options.discard_ratio);
  if (!spec.ok()) {
    std::cerr << spec.status().message() << "\n";
    return 1;
  }
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec || !fs::is_directory(options.out_dir)) {
    std::cerr << "--out " << options.out_dir
              << " is not a folder that can be written: " << ec.message() << "\n";
    return 1;
  }
  v1::ExplainRequest base;
  base.set_model(door.model);
  base.set_method(options.method);
  base.set_head_fusion(options.head_fusion);
  base.set_discard_ratio(options.discard_ratio);
  base.set_top_k(options.top_k);
  base.set_overlay_png(true);
  auto stub = v1::VitService::NewStub(rpc::Connect(connection));
  int failures = 0;
  std::set<std::string> outputs;
  for (const std::string& file : files) {
    // Two inputs with one name (a/cat.jpg, b/cat.png) would share an output.
    if (!outputs.insert(ExplainOutputPath(options.out_dir, file)).second) {
      std::cerr << file << ": skipped, another input already wrote "
                << ExplainOutputPath(options.out_dir, file) << "\n";
      ++failures;
      continue;
    }
    if (!ExplainFile(*stub, connection, base, options.out_dir, file)) ++failures;
  }
  return failures == 0 ? 0 : 2;
}

}  // namespace vit::client
