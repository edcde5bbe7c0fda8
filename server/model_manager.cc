#include "server/model_manager.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "server/repository/memory_estimate.h"

namespace vit::server {
namespace {

using repository::ModelVersionSource;
using repository::RepositoryModel;

std::string Mib(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f", static_cast<double>(bytes) / (1 << 20));
  return text;
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "none" : out;
}

bool ValidModelName(const std::string& name) {
  return !name.empty() && name[0] != '.' && name.find('/') == std::string::npos;
}

}  // namespace

ServedModel::ServedModel(std::string name, int64_t version, LoadedModel loaded, int default_top_k,
                         int64_t estimated_bytes, std::string fingerprint)
    : name_(std::move(name)),
      version_(version),
      loaded_(std::move(loaded)),
      default_top_k_(default_top_k),
      estimated_bytes_(estimated_bytes),
      fingerprint_(std::move(fingerprint)) {}

// One model's state. control_mu serializes its loads and unloads; the other
// fields are guarded by the manager's mu_.
struct ModelManager::Record {
  std::mutex control_mu;
  std::shared_ptr<Owner> owner;  // the served version; null when not served
  ModelHandle handle;            // owner's handle, copied to requests
  bool is_loading = false;
  std::shared_future<Status> loading;  // the load in progress, for joiners
  int64_t loading_version = 0;
  int64_t failed_version = -1;  // the last failed load's version (0 = before one was chosen)
  std::string failed_fingerprint;
  std::string error;  // why the last load failed; "" after a success
  bool unloaded = false;
};

// Owns a served version; the handles given to requests share one control
// block whose deleter only reports that the last request let go.
struct ModelManager::Owner {
  std::unique_ptr<ServedModel> model;
  std::mutex mu;               // guards released
  std::condition_variable cv;  // signalled when released turns true
  bool released = false;
};

ModelManager::ModelManager(const ModelManagerOptions& options, ModelLoader* loader,
                           Metrics* metrics)
    : options_(options),
      loader_(loader),
      metrics_(metrics),
      workers_(WorkerPoolOptions{options.pipeline.preprocess_threads,
                                 options.pipeline.batching.max_queue_size}),
      executor_(options.pipeline.batching.clock) {}

ModelManager::~ModelManager() { Stop(/*drain=*/false); }

std::shared_ptr<ModelManager::Record> ModelManager::RecordFor(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<Record>& record = records_[name];
  if (record == nullptr) record = std::make_shared<Record>();
  return record;
}

StatusOr<RepositoryModel> ModelManager::ScanOne(const std::string& name) const {
  if (!options_.single_model.empty()) {
    VIT_ASSIGN_OR_RETURN(RepositoryModel model, repository::ScanSingleModel(options_.single_model));
    if (model.name == name) return model;
  } else if (ValidModelName(name)) {
    StatusOr<std::vector<RepositoryModel>> models = repository::ScanRepository(options_.repository);
    if (!models.ok()) return models.status();
    for (RepositoryModel& model : *models) {
      if (model.name == name) return std::move(model);
    }
  }
  std::vector<std::string> names;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const RepositoryModel& model : scanned_) names.push_back(model.name);
  }
  return NotFoundError(
      "model '" + name + "' is not in the repository " +
      (options_.single_model.empty() ? options_.repository : options_.single_model) +
      " (models there: " + Join(names) + ")");
}

PipelineOptions ModelManager::PipelineFor(const RepositoryModel& model, int64_t version) const {
  PipelineOptions pipeline = options_.pipeline;
  const repository::ModelSettings& settings = model.settings;
  if (settings.max_batch_size) pipeline.batching.max_batch_size = *settings.max_batch_size;
  if (settings.max_queue_delay_microseconds)
    pipeline.batching.max_queue_delay_microseconds = *settings.max_queue_delay_microseconds;
  // Preferred sizes above a model's own max_batch_size cannot apply to it.
  auto& preferred = pipeline.batching.preferred_batch_sizes;
  preferred.erase(std::remove_if(preferred.begin(), preferred.end(),
                                 [&](int size) { return size > pipeline.batching.max_batch_size; }),
                  preferred.end());
  pipeline.default_top_k = settings.default_top_k.value_or(0);
  pipeline.model_name = model.name;
  pipeline.model_version = std::to_string(version);
  return pipeline;
}

int64_t ModelManager::InUseBytesLocked() const {
  int64_t bytes = reserved_bytes_ + retiring_bytes_;
  for (const auto& [name, record] : records_) {
    if (record->owner != nullptr) bytes += record->owner->model->estimated_bytes();
  }
  return bytes;
}

Status ModelManager::DoLoad(const std::string& name, Record* record) {
  const auto start = std::chrono::steady_clock::now();
  StatusOr<RepositoryModel> scanned = ScanOne(name);
  if (!scanned.ok()) return scanned.status();
  const RepositoryModel& model = *scanned;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::find_if(scanned_.begin(), scanned_.end(),
                           [&](const RepositoryModel& m) { return m.name == name; });
    if (it != scanned_.end()) *it = model;
    if (it == scanned_.end()) scanned_.push_back(model);
    std::sort(scanned_.begin(), scanned_.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
  }
  int64_t version_number = 0;
  std::string fingerprint;
  auto fail = [&](const Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    record->error = status.message();
    record->failed_version = version_number;
    record->failed_fingerprint = fingerprint;
    spdlog::error("model {} version {}: load failed, {}: {}", name, version_number,
                  record->owner != nullptr ? "the served version keeps serving" : "not served",
                  status.ToString());
    return status;
  };
  if (!model.settings_status.ok()) return fail(model.settings_status);
  StatusOr<ModelVersionSource> version = repository::ServedVersion(model);
  if (!version.ok()) return fail(version.status());
  version_number = version->version;
  fingerprint = version->fingerprint;

  ModelLoadSpec spec;
  spec.path = version->path;
  spec.dtype = model.settings.dtype.value_or(options_.dtype);
  spec.threads = model.settings.threads.value_or(options_.threads);
  const int64_t needed = repository::EstimateModelBytes(version->weights_bytes, spec.dtype);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return UnavailableError("server is shutting down");
    const int64_t budget = options_.max_model_memory_mb << 20;
    const int64_t in_use = InUseBytesLocked();
    if (budget > 0 && in_use + needed > budget) {
      Status refused = ResourceExhaustedError(
          "loading model '" + name + "' version " + std::to_string(version_number) +
          " needs an estimated " + Mib(needed) + " MiB; " + Mib(in_use) + " MiB of the " +
          std::to_string(options_.max_model_memory_mb) +
          " MiB budget (--max-model-memory-mb) are in use");
      record->error = refused.message();
      record->failed_version = version_number;
      record->failed_fingerprint = fingerprint;
      spdlog::error("model {}: {}", name, refused.message());
      return refused;
    }
    reserved_bytes_ += needed;
    record->loading_version = version_number;
  }
  auto unreserve = [&] {
    std::lock_guard<std::mutex> lock(mu_);
    reserved_bytes_ -= needed;
  };
  spdlog::info("model {} version {}: loading from {} (dtype={} threads={}, estimated {} MiB)", name,
               version_number, spec.path, spec.dtype, spec.threads, Mib(needed));
  StatusOr<LoadedModel> loaded = loader_->Load(spec);
  if (!loaded.ok()) {
    unreserve();
    return fail(loaded.status());
  }
  auto owner = std::make_shared<Owner>();
  owner->model = std::make_unique<ServedModel>(
      name, version_number, std::move(loaded).value(),
      model.settings.default_top_k.value_or(options_.default_top_k), needed, fingerprint);
  ServedModel* served = owner->model.get();
  StatusOr<std::unique_ptr<InferencePipeline>> pipeline = InferencePipeline::Create(
      PipelineFor(model, version_number), served->loaded_.backend.get(),
      served->loaded_.preprocessor.get(), metrics_, SharedResources{&executor_, &workers_});
  if (!pipeline.ok()) {
    unreserve();
    return fail(pipeline.status());
  }
  served->pipeline_ = std::move(pipeline).value();
  ModelHandle handle(served, [owner](ServedModel*) {
    std::lock_guard<std::mutex> lock(owner->mu);
    owner->released = true;
    owner->cv.notify_all();
  });
  std::shared_ptr<Owner> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    reserved_bytes_ -= needed;
    if (stopped_) {
      handle.reset();
      served->pipeline_->Stop(/*drain=*/false);
      return UnavailableError("server is shutting down");
    }
    old = std::move(record->owner);
    record->owner = owner;
    record->handle = std::move(handle);
    record->error.clear();
    record->failed_version = -1;
    record->failed_fingerprint.clear();
    record->unloaded = false;
    if (old != nullptr) retiring_bytes_ += old->model->estimated_bytes();
  }
  const auto swapped = std::chrono::steady_clock::now();
  spdlog::info(
      "model {} version {}: serving, {} ms from the load call to the swap{}", name, version_number,
      std::chrono::duration_cast<std::chrono::milliseconds>(swapped - start).count(),
      old != nullptr
          ? "; version " + std::to_string(old->model->version()) + " finishes its queued requests"
          : std::string());
  if (old != nullptr) {
    const int64_t old_bytes = old->model->estimated_bytes();
    Retire(std::move(old));
    std::lock_guard<std::mutex> lock(mu_);
    retiring_bytes_ -= old_bytes;
  }
  return Status::Ok();
}

void ModelManager::Retire(std::shared_ptr<Owner> owner) {
  {
    std::unique_lock<std::mutex> lock(owner->mu);
    owner->cv.wait(lock, [&] { return owner->released; });
  }
  // No request can reach the version any more; finish what it accepted.
  owner->model->pipeline()->Stop(/*drain=*/true);
  spdlog::info("model {} version {}: freed", owner->model->name(), owner->model->version());
  owner->model.reset();
}

Status ModelManager::LoadModel(const std::string& name) {
  std::shared_ptr<Record> record = RecordFor(name);
  std::promise<Status> promise;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (stopped_) return UnavailableError("server is shutting down");
    if (record->is_loading) {
      std::shared_future<Status> loading = record->loading;
      ++loads_joined_;
      lock.unlock();
      return loading.get();  // a second identical load waits for the first
    }
    record->is_loading = true;
    record->loading = promise.get_future().share();
  }
  Status status;
  {
    std::lock_guard<std::mutex> control(record->control_mu);
    status = DoLoad(name, record.get());
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    record->is_loading = false;
  }
  promise.set_value(status);
  return status;
}

Status ModelManager::UnloadModel(const std::string& name) {
  std::shared_ptr<Record> record;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = records_.find(name);
    if (it != records_.end()) record = it->second;
  }
  if (record == nullptr) {
    StatusOr<RepositoryModel> model = ScanOne(name);
    return model.ok() ? Status::Ok() : model.status();  // in the repository, not loaded: done
  }
  std::lock_guard<std::mutex> control(record->control_mu);
  std::shared_ptr<Owner> owner;
  {
    std::lock_guard<std::mutex> lock(mu_);
    owner = std::move(record->owner);
    record->handle.reset();
    record->unloaded = true;
    if (owner != nullptr) retiring_bytes_ += owner->model->estimated_bytes();
  }
  if (owner == nullptr) return Status::Ok();
  spdlog::info("model {} version {}: unloading; new requests get NOT_FOUND", name,
               owner->model->version());
  const int64_t bytes = owner->model->estimated_bytes();
  Retire(std::move(owner));
  std::lock_guard<std::mutex> lock(mu_);
  retiring_bytes_ -= bytes;
  return Status::Ok();
}

Status ModelManager::Load(const std::string& name) {
  if (!options_.allow_model_control)
    return FailedPreconditionError(
        "model control is off: start vit-server with --allow-model-control to load models "
        "through the API");
  return LoadModel(name);
}

Status ModelManager::Unload(const std::string& name) {
  if (!options_.allow_model_control)
    return FailedPreconditionError(
        "model control is off: start vit-server with --allow-model-control to unload models "
        "through the API");
  return UnloadModel(name);
}

StatusOr<std::vector<RepositoryModel>> ModelManager::ScanModels() const {
  if (options_.single_model.empty()) return repository::ScanRepository(options_.repository);
  VIT_ASSIGN_OR_RETURN(RepositoryModel model, repository::ScanSingleModel(options_.single_model));
  std::vector<RepositoryModel> models;
  models.push_back(std::move(model));
  return models;
}

Status ModelManager::Start() {
  VIT_ASSIGN_OR_RETURN(std::vector<RepositoryModel> models, ScanModels());
  std::vector<std::string> names;
  for (const RepositoryModel& model : models) names.push_back(model.name);
  {
    std::lock_guard<std::mutex> lock(mu_);
    scanned_ = models;
  }
  std::vector<std::string> to_load = names;
  if (options_.control_mode == "explicit") {
    to_load.clear();
    for (const std::string& name : options_.load_models) {
      if (name == "*") {
        to_load = names;
        break;
      }
      if (std::find(names.begin(), names.end(), name) == names.end())
        return NotFoundError("--load-model " + name + ": no such model in the repository (" +
                             Join(names) + ")");
      to_load.push_back(name);
    }
  }
  for (const std::string& name : to_load) VIT_RETURN_IF_ERROR(LoadModel(name));

  std::vector<std::string> served = ServedNames();
  if (!options_.default_model.empty()) {
    if (std::find(names.begin(), names.end(), options_.default_model) == names.end())
      return InvalidArgumentError("--default-model " + options_.default_model +
                                  ": no such model in the repository (" + Join(names) + ")");
    std::lock_guard<std::mutex> lock(mu_);
    default_model_ = options_.default_model;
    return Status::Ok();
  }
  const std::vector<std::string>& candidates = served.empty() ? names : served;
  if (candidates.size() > 1)
    return InvalidArgumentError(std::to_string(candidates.size()) + " models are " +
                                (served.empty() ? "in the repository" : "served") + " (" +
                                Join(candidates) +
                                "); name the one requests without a model name go to with "
                                "--default-model");
  std::lock_guard<std::mutex> lock(mu_);
  default_model_ = candidates.empty() ? "" : candidates.front();
  return Status::Ok();
}

Status ModelManager::Rescan() {
  VIT_ASSIGN_OR_RETURN(std::vector<RepositoryModel> models, ScanModels());
  struct Plan {
    std::vector<std::string> unload, load;
  } plan;
  {
    std::lock_guard<std::mutex> lock(mu_);
    scanned_ = models;
    for (const auto& entry : records_) {
      const std::string& name = entry.first;
      const bool on_disk = std::any_of(models.begin(), models.end(),
                                       [&](const RepositoryModel& m) { return m.name == name; });
      if (entry.second->owner != nullptr && !on_disk) plan.unload.push_back(name);
    }
    for (const RepositoryModel& model : models) {
      StatusOr<ModelVersionSource> version = repository::ServedVersion(model);
      const std::string fingerprint = version.ok() ? version->fingerprint : "";
      const int64_t number = version.ok() ? version->version : 0;
      auto it = records_.find(model.name);
      Record* record = it != records_.end() ? it->second.get() : nullptr;
      if (record != nullptr && record->owner != nullptr) {
        const ServedModel& served = *record->owner->model;
        if (version.ok() && (served.version() != number || served.fingerprint() != fingerprint))
          plan.load.push_back(model.name);  // a new version or new files: reload
        continue;
      }
      if (options_.control_mode == "explicit" || (record != nullptr && record->unloaded)) continue;
      const bool failed_as_is = record != nullptr && record->failed_version == number &&
                                record->failed_fingerprint == fingerprint;
      if (!failed_as_is) plan.load.push_back(model.name);
    }
  }
  Status first;
  for (const std::string& name : plan.unload) {
    Status status = UnloadModel(name);
    if (first.ok()) first = status;
  }
  for (const std::string& name : plan.load) {
    Status status = LoadModel(name);
    if (first.ok()) first = status;
  }
  return first;
}

ModelHandle ModelManager::Find(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string& key = name.empty() ? default_model_ : name;
  auto it = records_.find(key);
  if (it != records_.end() && it->second->handle != nullptr) return it->second->handle;
  // The name requests used before the repository: the default model's id.
  auto fallback = records_.find(default_model_);
  if (fallback != records_.end() && fallback->second->handle != nullptr &&
      fallback->second->handle->pipeline()->model_info().id == name)
    return fallback->second->handle;
  return nullptr;
}

std::shared_ptr<InferencePipeline> ModelManager::ServingPipeline(const std::string& name) const {
  ModelHandle model = Find(name);
  if (model == nullptr) return nullptr;
  return std::shared_ptr<InferencePipeline>(model, model->pipeline());  // pins the version
}

std::vector<std::shared_ptr<InferencePipeline>> ModelManager::ServingPipelines() const {
  std::vector<std::shared_ptr<InferencePipeline>> all;
  for (const std::string& name : ServedNames()) {
    // A model unloaded since ServedNames() is skipped.
    if (std::shared_ptr<InferencePipeline> served = ServingPipeline(name))
      all.push_back(std::move(served));
  }
  return all;
}

std::string ModelManager::ServedListLocked() const {
  std::vector<std::string> names;
  for (const auto& [name, record] : records_) {
    if (record->owner != nullptr) names.push_back(name);
  }
  return Join(names);
}

Status ModelManager::NotServedError(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (name.empty())
    return NotFoundError("no default model is being served (--default-model " +
                         (default_model_.empty() ? std::string("unset") : default_model_) +
                         "); served models: " + ServedListLocked());
  return NotFoundError("model '" + name +
                       "' is not being served; served models: " + ServedListLocked());
}

std::vector<std::string> ModelManager::ServedNames() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, record] : records_) {
    if (record->owner != nullptr) names.push_back(name);
  }
  return names;
}

std::string ModelManager::DefaultModel() const {
  std::lock_guard<std::mutex> lock(mu_);
  return default_model_;
}

int64_t ModelManager::loads_joined() const {
  std::lock_guard<std::mutex> lock(mu_);
  return loads_joined_;
}

std::vector<ModelIndexEntry> ModelManager::Index(bool ready_only) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ModelIndexEntry> entries;
  auto add = [&](ModelIndexEntry entry) {
    if (!ready_only || entry.state == "READY") entries.push_back(std::move(entry));
  };
  for (const RepositoryModel& model : scanned_) {
    auto it = records_.find(model.name);
    const Record* record = it != records_.end() ? it->second.get() : nullptr;
    StatusOr<ModelVersionSource> served = repository::ServedVersion(model);
    if (!model.settings_status.ok() || !served.ok()) {
      ModelIndexEntry entry{
          model.name, "", "UNAVAILABLE",
          !model.settings_status.ok() ? model.settings_status.message() : served.status().message(),
          false};
      if (record != nullptr && record->owner != nullptr) {
        entry.version = std::to_string(record->owner->model->version());
        entry.state = "READY";
      }
      add(entry);
      continue;
    }
    for (const ModelVersionSource& version : model.versions) {
      ModelIndexEntry entry;
      entry.name = model.name;
      entry.version = std::to_string(version.version);
      entry.is_default_version = version.version == served->version;
      entry.state = "UNAVAILABLE";
      if (record != nullptr && record->owner != nullptr &&
          record->owner->model->version() == version.version) {
        entry.state = "READY";
        entry.is_default_version = true;
      } else if (record != nullptr && record->is_loading &&
                 record->loading_version == version.version) {
        entry.state = "LOADING";
      } else if (record != nullptr && record->failed_version == version.version) {
        entry.reason = record->error;
      } else {
        entry.reason = record != nullptr && record->unloaded ? "unloaded" : "not loaded";
      }
      add(entry);
    }
  }
  return entries;
}

void ModelManager::Stop(bool drain) {
  // Handles, not owners: while they are held no Retire() can free a version.
  std::vector<ModelHandle> served;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    for (const auto& [name, record] : records_) {
      if (record->handle != nullptr) served.push_back(record->handle);
    }
  }
  for (const ModelHandle& model : served) model->pipeline()->Stop(drain);
  served.clear();
  executor_.Stop(drain);
  workers_.Stop();
}

}  // namespace vit::server
