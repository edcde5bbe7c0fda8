// A fake of the model repository's control (server/model_control.h) for the
// front doors' tests: records every call, answers Load / Unload of a model
// not in its index NOT_FOUND (the repository's wording), can fail every
// Load / Unload with a given Status, and can hold them until Release().
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "server/model_control.h"

namespace vit::server::testing {

class FakeModelControl final : public ModelControl {
 public:
  FakeModelControl() {
    index_ = {{"alpha", "1", "UNAVAILABLE", "unloaded", false},
              {"alpha", "2", "READY", "", true},
              {"beta", "1", "READY", "", true}};
    default_model_ = "alpha";
  }

  std::vector<ModelIndexEntry> Index(bool ready_only) const override {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(ready_only ? "index:ready" : "index:all");
    std::vector<ModelIndexEntry> out;
    for (const ModelIndexEntry& entry : index_) {
      if (!ready_only || entry.state == "READY") out.push_back(entry);
    }
    return out;
  }
  Status Load(const std::string& name) override { return Control("load", name); }
  Status Unload(const std::string& name) override { return Control("unload", name); }
  std::string DefaultModel() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return default_model_;
  }

  /// Every later Load / Unload answers `status` (nullopt: back to normal).
  void FailWith(std::optional<Status> status) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_with_ = std::move(status);
  }
  /// Load / Unload wait in the fake until Release().
  void Block() {
    std::lock_guard<std::mutex> lock(mu_);
    blocked_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    blocked_ = false;
    cv_.notify_all();
  }
  /// Whether `n` Load / Unload calls have begun within `timeout`.
  bool WaitForStarted(int n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return started_ >= n; });
  }
  /// "index:all", "index:ready", "load:NAME", "unload:NAME" in call order.
  std::vector<std::string> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  void SetDefaultModel(std::string name) {
    std::lock_guard<std::mutex> lock(mu_);
    default_model_ = std::move(name);
  }

 private:
  Status Control(const char* what, const std::string& name) {
    std::unique_lock<std::mutex> lock(mu_);
    calls_.push_back(std::string(what) + ":" + name);
    ++started_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return !blocked_; });
    if (fail_with_) return *fail_with_;
    for (const ModelIndexEntry& entry : index_) {
      if (entry.name == name) return Status::Ok();
    }
    return NotFoundError("model '" + name + "' is not in the model repository");
  }

  mutable std::mutex mu_;       // guards every member below
  std::condition_variable cv_;  // signalled on Release() and when a call starts
  std::vector<ModelIndexEntry> index_;
  std::string default_model_;
  std::optional<Status> fail_with_;
  bool blocked_ = false;
  int started_ = 0;
  mutable std::vector<std::string> calls_;
};

}  // namespace vit::server::testing
