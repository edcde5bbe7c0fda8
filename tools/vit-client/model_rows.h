// `vit-client models list`'s rows: one per model version, from vit.v1
// ListModels, the Open Inference Protocol's RepositoryIndex over gRPC, or its
// JSON over HTTP; and the table and JSON they are printed as.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "inference/grpc_service.pb.h"
#include "vit/v1/vit.pb.h"

namespace vit::client {

struct ModelRow {
  std::string name;
  std::string version;
  /// "READY", "LOADING", "UNLOADING", "UNAVAILABLE".
  std::string state;
  /// Why it is not READY; "" when it is.
  std::string reason;
  /// Whether this version serves requests naming no version, and whether the
  /// model is the server's default: vit.v1 says, the OIP index does not
  /// (nullopt).
  std::optional<bool> default_version;
  std::optional<bool> default_model;
};

std::vector<ModelRow> RowsFromListModels(const v1::ListModelsResponse& response);
std::vector<ModelRow> RowsFromRepositoryIndex(const inference::RepositoryIndexResponse& response);
/// The HTTP index: a JSON array of {"name", "version", "state", "reason"}
/// (Triton leaves out empty ones). DATA_LOSS for anything else.
StatusOr<std::vector<ModelRow>> RowsFromIndexJson(std::string_view body);

/// A table with the columns NAME VERSION STATE DEFAULT REASON; DEFAULT is
/// "model" (the server's default model, its default version), "yes" (the
/// model's default version), "" (neither) or "-" (the protocol does not
/// say). "no models" when `rows` is empty.
std::string ModelTable(const std::vector<ModelRow>& rows);
/// [{"name", "version", "state", "reason", "default_version",
/// "default_model"}], the last two null where the protocol does not say.
nlohmann::json ModelRowsJson(const std::vector<ModelRow>& rows);

}  // namespace vit::client
