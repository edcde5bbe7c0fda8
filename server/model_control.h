// The model repository's control surface, as the front doors see it: the
// Open Inference Protocol's repository extension (gRPC and HTTP), vit.v1
// ListModels and vit-client's `models` commands all go through this
// interface, implemented by the repository (issue 15).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace vit::server {

/// One row of the repository index: a model version and its state.
struct ModelIndexEntry {
  std::string name;
  /// The version folder's number ("1", "2", ...); "1" for a plain model folder.
  std::string version;
  /// Triton's states: "READY", "LOADING", "UNLOADING", "UNAVAILABLE".
  std::string state;
  /// Why it is not READY (a failed load's error, "unloaded", ...); "" when ready.
  std::string reason;
  /// The version served when a request names no version.
  bool is_default_version = false;
};

class ModelControl {
 public:
  virtual ~ModelControl() = default;
  /// Every model found in the repository (all versions when `ready_only` is
  /// false; only READY ones when true), sorted by name then version.
  virtual std::vector<ModelIndexEntry> Index(bool ready_only) const = 0;
  /// Loads (or reloads with what is on disk now) `name`: blocks until the new
  /// version is serving or the load failed (then the old one keeps serving
  /// and the error says why). Concurrent loads of one model are serialized;
  /// a second identical load waits for the first. NOT_FOUND for a name not in
  /// the repository, FAILED_PRECONDITION when model control is not allowed,
  /// RESOURCE_EXHAUSTED over the memory budget (with the numbers).
  virtual Status Load(const std::string& name) = 0;
  /// Takes `name` out of serving at once (new requests NOT_FOUND); queued
  /// requests finish first; blocks until it is freed.
  virtual Status Unload(const std::string& name) = 0;
  /// The model a request without a model name goes to ("" when none).
  virtual std::string DefaultModel() const = 0;
};

}  // namespace vit::server
