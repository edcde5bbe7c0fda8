#include "score/output_files.h"

#include <utility>

#include "score/path_key.h"

namespace vit::score {
namespace {

struct ScanResult {
  size_t complete_bytes = 0;
  uint64_t records = 0;
  std::string first_record_prefix;  // the file's first bytes, up to one header's length
};

// Reads `path` record by record, calling `on_record(first_field, number,
// end_offset)` for each complete one.
template <typename OnRecord>
StatusOr<ScanResult> Scan(const std::string& path, OutputFormat format, size_t prefix_bytes,
                          OnRecord on_record) {
  ScanResult result;
  RecordScanner scanner(format, [&](const std::string& field, size_t end_offset) {
    ++result.records;
    return on_record(field, result.records, end_offset);
  });
  Status status = ReadFileChunks(path, [&](const char* data, size_t size) {
    if (result.first_record_prefix.size() < prefix_bytes) {
      result.first_record_prefix.append(
          data, std::min(size, prefix_bytes - result.first_record_prefix.size()));
    }
    return scanner.Feed(data, size);
  });
  VIT_RETURN_IF_ERROR(status);
  result.complete_bytes = scanner.complete_bytes();
  return result;
}

}  // namespace

StatusOr<std::unique_ptr<OutputFiles>> OutputFiles::Open(const OutputOptions& options,
                                                         DoneSet* done) {
  std::unique_ptr<OutputFiles> files(new OutputFiles(options));
  VIT_RETURN_IF_ERROR(files->OpenRows(done));
  done->Seal();
  if (!options.embeddings_path.empty()) VIT_RETURN_IF_ERROR(files->OpenEmbeddings(*done));
  return files;
}

Status OutputFiles::OpenRows(DoneSet* done) {
  const bool csv = options_.format == OutputFormat::kCsv;
  const std::string header = csv ? CsvHeader(options_.top_k) : "";
  auto scan =
      Scan(options_.path, options_.format, header.size(),
           [&](const std::string& field, uint64_t record, size_t) -> Status {
             if (csv && record == 1) return Status::Ok();  // the header
             if (csv) {
               done->Add(StableHash(field));
               return Status::Ok();
             }
             auto path = JsonlRowPath(field);
             if (!path.ok()) {
               return FailedPreconditionError(options_.path + ": line " + std::to_string(record) +
                                              ": " + path.status().message());
             }
             done->Add(StableHash(*path));
             return Status::Ok();
           });
  VIT_RETURN_IF_ERROR(scan.status());
  size_t keep = scan->complete_bytes;
  bool write_header = csv;
  if (csv && scan->records > 0) {
    if (scan->first_record_prefix != header) {
      return FailedPreconditionError(
          options_.path + ": its header is not vit-score's CSV header for --top-k " +
          std::to_string(options_.top_k) + " (\"" + header.substr(0, header.size() - 1) +
          "\"); resume with the same --top-k and --format, or choose another --output");
    }
    write_header = false;
    resumed_rows_ = scan->records - 1;
  } else if (!csv) {
    resumed_rows_ = scan->records;
  }
  if (write_header) keep = 0;  // at most a partial header was there
  auto file = AppendFile::Open(options_.path, keep);
  VIT_RETURN_IF_ERROR(file.status());
  rows_ = std::move(*file);
  if (write_header) VIT_RETURN_IF_ERROR(rows_->Append(header));
  return Status::Ok();
}

// Rows are written after their embedding line, so a crash leaves at most one
// embedding line whose row is missing: the last one. It is dropped here (its
// file is scored again), with a partial last line.
Status OutputFiles::OpenEmbeddings(const DoneSet& done) {
  size_t last_start = 0, last_end = 0;  // the last line's byte range
  bool last_done = true;
  auto scan = Scan(options_.embeddings_path, OutputFormat::kJsonl, 0,
                   [&](const std::string& line, uint64_t record, size_t end) -> Status {
                     auto path = JsonlRowPath(line);
                     if (!path.ok()) {
                       return FailedPreconditionError(options_.embeddings_path + ": line " +
                                                      std::to_string(record) + ": " +
                                                      path.status().message());
                     }
                     last_start = last_end;
                     last_end = end;
                     last_done = done.Contains(StableHash(*path));
                     return Status::Ok();
                   });
  VIT_RETURN_IF_ERROR(scan.status());
  size_t keep = scan->complete_bytes;
  if (!last_done) keep = last_start;
  auto file = AppendFile::Open(options_.embeddings_path, keep);
  VIT_RETURN_IF_ERROR(file.status());
  embeddings_ = std::move(*file);
  return Status::Ok();
}

Status OutputFiles::Write(const ScoreRow& row) {
  if (embeddings_ && !row.embedding.empty())
    VIT_RETURN_IF_ERROR(embeddings_->Append(EmbeddingJsonlRow(row)));
  const std::string line =
      options_.format == OutputFormat::kCsv ? CsvRow(row, options_.top_k) : JsonlRow(row);
  return rows_->Append(line);
}

}  // namespace vit::score
