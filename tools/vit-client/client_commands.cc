#include "tools/vit-client/client_commands.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <utility>

#include "common/file_util.h"

namespace vit::client {

namespace {

void PrintPredictions(const std::string& file, const ClassifyResult& result, bool json) {
  if (json) {
    nlohmann::json out = {{"file", file}, {"model_id", result.model_id}};
    out["predictions"] = nlohmann::json::array();
    for (const Prediction& p : result.predictions) {
      out["predictions"].push_back(
          {{"class_index", p.class_index}, {"label", p.label}, {"probability", p.probability}});
    }
    if (result.timings) {  // vit.v1 only: OIP answers carry no timings
      const ClassifyTimings& t = *result.timings;
      out["timings"] = {{"queue_us", t.queue_us},
                        {"preprocess_us", t.preprocess_us},
                        {"inference_us", t.inference_us},
                        {"total_us", t.total_us},
                        {"batch_size", t.batch_size}};
    }
    std::cout << out.dump() << "\n";
    return;
  }
  std::cout << file << "\n";
  for (size_t i = 0; i < result.predictions.size(); ++i) {
    const Prediction& p = result.predictions[i];
    std::printf("  %zu. %-24s class %-5d p=%.4f\n", i + 1, p.label.c_str(), p.class_index,
                p.probability);
  }
  std::fflush(stdout);
}

void PrintError(const std::string& prefix, const grpc::Status& status) {
  std::cerr << prefix << "error " << status.error_code() << ": " << status.error_message() << "\n";
}

// The door, with the OIP model name resolved; null after printing why not.
std::unique_ptr<FrontDoor> Open(const rpc::ConnectionOptions& connection, FrontDoorOptions door,
                                bool needs_model) {
  if (needs_model) {
    if (grpc::Status status = ResolveModelName(connection, &door); !status.ok()) {
      PrintError("", status);
      return nullptr;
    }
  }
  StatusOr<std::unique_ptr<FrontDoor>> opened = OpenFrontDoor(door, connection);
  if (!opened.ok()) {
    std::cerr << opened.status().message() << "\n";
    return nullptr;
  }
  return std::move(opened).value();
}

}  // namespace

int RunClassify(const rpc::ConnectionOptions& connection, const FrontDoorOptions& door_options,
                const ClassifyOptions& options, const std::vector<std::string>& files) {
  std::unique_ptr<FrontDoor> door = Open(connection, door_options, /*needs_model=*/true);
  if (door == nullptr) return 2;
  int failures = 0;
  for (const std::string& file : files) {
    StatusOr<std::string> image = ReadFileToString(file);
    if (!image.ok()) {
      std::cerr << image.status().message() << "\n";
      ++failures;
      continue;
    }
    ClassifyResult result;
    const grpc::Status status = door->Classify(*image, options.top_k, &result);
    if (!status.ok()) {
      PrintError(file + ": ", status);
      ++failures;
      continue;
    }
    PrintPredictions(file, result, options.json);
  }
  return failures == 0 ? 0 : 2;
}

int RunHealth(const rpc::ConnectionOptions& connection, const FrontDoorOptions& door_options) {
  // No model lookup: health stays a token-free check of what was asked.
  std::unique_ptr<FrontDoor> door = Open(connection, door_options, /*needs_model=*/false);
  if (door == nullptr) return 2;
  HealthResult result;
  const grpc::Status status = door->Health(&result);
  if (!status.ok()) {
    std::cout << "UNREACHABLE (" << status.error_code() << ": " << status.error_message() << ")\n";
    return 2;
  }
  std::cout << result.text << "\n";
  return result.serving ? 0 : 2;
}

int RunInfo(const rpc::ConnectionOptions& connection, const FrontDoorOptions& door_options,
            bool json) {
  std::unique_ptr<FrontDoor> door = Open(connection, door_options, /*needs_model=*/true);
  if (door == nullptr) return 2;
  InfoResult info;
  const grpc::Status status = door->Info(&info);
  if (!status.ok()) {
    PrintError("", status);
    return 2;
  }
  if (json) {
    std::cout << info.json.dump(2) << "\n";
  } else {
    std::cout << info.text;
  }
  return 0;
}

}  // namespace vit::client
