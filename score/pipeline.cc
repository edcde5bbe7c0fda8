#include "score/pipeline.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>
#include <utility>

#include "score/path_key.h"

namespace vit::score {
namespace {

int ResolveWorkers(int workers) {
  if (workers > 0) return workers;
  return std::max(1u, std::thread::hardware_concurrency());
}

int ResolveWindow(const PipelineOptions& options, int workers) {
  const int minimum = options.batch_size + 1;  // a batch can always fill
  if (options.max_in_flight > 0) return std::max(options.max_in_flight, minimum);
  return 2 * options.batch_size + 4 * workers;
}

std::string OneLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  return text;
}

}  // namespace

ScorePipeline::ScorePipeline(PipelineOptions options, ScoringBackend* backend,
                             const FileSelection* selection, const DoneSet* done,
                             ProgressCounters* counters)
    : options_(std::move(options)),
      backend_(backend),
      selection_(selection),
      done_(done),
      counters_(counters),
      workers_(ResolveWorkers(options_.workers)),
      window_(ResolveWindow(options_, workers_)),
      paths_(static_cast<size_t>(ResolveWindow(options_, workers_))),
      prepared_(static_cast<size_t>(ResolveWindow(options_, workers_))),
      rows_(static_cast<size_t>(ResolveWindow(options_, workers_))) {}

ScoreRow ScorePipeline::FailedRow(uint64_t sequence, std::string path, const Status& status) {
  ScoreRow row;
  row.sequence = sequence;
  row.path = std::move(path);
  row.error = OneLine(status.ToString());
  return row;
}

void ScorePipeline::Fail(const Status& status) {
  {
    std::lock_guard<std::mutex> lock(fatal_mu_);
    if (fatal_.ok()) fatal_ = status;
  }
  cancelled_ = true;
  window_.Cancel();
  paths_.Close();
  prepared_.Close();
  rows_.Close();
}

void ScorePipeline::Walk() {
  FileWalker walker(selection_->inputs, selection_->walker);
  WalkEntry entry;
  uint64_t sequence = 0;
  while (!cancelled_ && walker.Next(&entry)) {
    std::string path = OutputPath(entry.path);
    const uint64_t hash = StableHash(path);
    if (!selection_->shard.Contains(hash)) continue;
    if (done_->Contains(hash)) {
      ++skipped_;
      continue;
    }
    if (!window_.Acquire()) break;
    // The opened path is the walked one; the row carries its OutputPath.
    WorkItem item{sequence++, entry.path, entry.error};
    if (!paths_.Push(std::move(item))) break;
    ++admitted_;
  }
  paths_.Close();
}

void ScorePipeline::Prepare() {
  WorkItem item;
  while (!cancelled_ && paths_.Pop(&item)) {
    PreparedItem prepared;
    prepared.sequence = item.sequence;
    prepared.path = OutputPath(item.path);
    if (!item.error.ok()) {
      prepared.status = item.error;
    } else {
      prepared.input = std::make_unique<PreparedInput>();
      prepared.status = backend_->Prepare(item.path, prepared.input.get());
      if (!prepared.status.ok()) prepared.input.reset();
    }
    if (!prepared_.Push(std::move(prepared))) break;
  }
  if (--workers_running_ == 0) prepared_.Close();
}

Status ScorePipeline::RunBatch(std::vector<PreparedItem>* batch) {
  if (batch->empty()) return Status::Ok();
  std::vector<PreparedInput*> inputs;
  for (PreparedItem& item : *batch) inputs.push_back(item.input.get());
  std::vector<ScoreResult> results;
  const auto start = std::chrono::steady_clock::now();
  VIT_RETURN_IF_ERROR(backend_->Score(inputs, &results));
  score_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  scored_in_batches_ += inputs.size();
  if (results.size() != batch->size()) {
    return InternalError("backend returned " + std::to_string(results.size()) +
                         " results for a batch of " + std::to_string(batch->size()));
  }
  for (size_t i = 0; i < batch->size(); ++i) {
    PreparedItem& item = (*batch)[i];
    ScoreRow row;
    if (!results[i].status.ok()) {
      row = FailedRow(item.sequence, std::move(item.path), results[i].status);
    } else {
      row.sequence = item.sequence;
      row.path = std::move(item.path);
      row.predictions = std::move(results[i].predictions);
      row.embedding = std::move(results[i].embedding);
      row.overlay_png = std::move(results[i].overlay_png);
    }
    if (!rows_.Push(std::move(row))) break;
  }
  batch->clear();
  return Status::Ok();
}

void ScorePipeline::Infer() {
  std::vector<PreparedItem> batch;
  const auto size = static_cast<size_t>(std::max(options_.batch_size, 1));
  while (!cancelled_) {
    PreparedItem item;
    const auto popped = prepared_.PopFor(&item, std::chrono::milliseconds(10));
    if (popped == BoundedQueue<PreparedItem>::PopResult::kClosed) break;
    Status status;
    if (popped == BoundedQueue<PreparedItem>::PopResult::kTimeout) {
      // Nothing can arrive while every in-flight file is past this stage and
      // the walker waits for room (ordered rows waiting on this batch): run it.
      if (!batch.empty() && window_.HasWaiter() && admitted_.load() == arrived_.load())
        status = RunBatch(&batch);
    } else {
      ++arrived_;
      if (!item.status.ok()) {
        rows_.Push(FailedRow(item.sequence, std::move(item.path), item.status));
      } else {
        batch.push_back(std::move(item));
        if (batch.size() >= size) status = RunBatch(&batch);
      }
    }
    if (!status.ok()) return Fail(status);
  }
  if (!cancelled_) {
    if (Status status = RunBatch(&batch); !status.ok()) return Fail(status);
  }
  rows_.Close();
}

Status ScorePipeline::Write(const RowSink& sink) {
  std::map<uint64_t, ScoreRow> waiting;  // ordered: rows ahead of next_sequence
  uint64_t next_sequence = 0;
  const auto emit = [&](const ScoreRow& row) {
    Status status = sink(row);
    (row.error.empty() ? counters_->succeeded : counters_->failed)++;
    window_.Release();
    return status;
  };
  ScoreRow row;
  while (rows_.Pop(&row)) {
    if (!options_.ordered) {
      VIT_RETURN_IF_ERROR(emit(row));
      continue;
    }
    const uint64_t sequence = row.sequence;
    waiting.emplace(sequence, std::move(row));
    for (auto it = waiting.begin(); it != waiting.end() && it->first == next_sequence;
         it = waiting.erase(it), ++next_sequence) {
      VIT_RETURN_IF_ERROR(emit(it->second));
    }
  }
  if (!cancelled_ && !waiting.empty())
    return InternalError(std::to_string(waiting.size()) + " rows never became writable");
  // A fatal backend error stopped the run: rows already scored but held back
  // behind a file that never arrived are still results. Write them (walk order,
  // with gaps) so a resumed run does not score them again.
  for (const auto& entry : waiting) VIT_RETURN_IF_ERROR(emit(entry.second));
  return Status::Ok();
}

Status ScorePipeline::Run(const RowSink& sink) {
  workers_running_ = workers_;
  std::thread walker([this] { Walk(); });
  std::vector<std::thread> workers;
  for (int i = 0; i < workers_; ++i) workers.emplace_back([this] { Prepare(); });
  std::thread inference([this] { Infer(); });
  if (Status status = Write(sink); !status.ok()) Fail(status);
  walker.join();
  for (std::thread& worker : workers) worker.join();
  inference.join();
  std::lock_guard<std::mutex> lock(fatal_mu_);
  return fatal_;
}

}  // namespace vit::score
