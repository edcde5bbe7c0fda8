// libFuzzer harness: arbitrary bytes as the body of an Open Inference
// Protocol REST inference request (POST /v2/models/{m}/infer) through the
// parser alone: JSON tensors (simdjson), Triton's binary tensor data
// extension (the JSON header, then each binary input's bytes). Input layout:
//   byte 0 == 0:  no Inference-Header-Content-Length; the rest is the body
//   byte 0 != 0:  bytes 1-2 (little-endian) modulo (body size + 2) are the
//                 header's value; the rest after byte 2 is the body
// Properties: no crash, leak or out-of-bounds read (ASan reads every tensor
// element); a parsed tensor holds exactly the elements its shape declares,
// all of them inside the body or the parser's own storage; an error is
// INVALID_ARGUMENT with a message.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "server/http_api/infer_request_parser.h"

namespace {

using vit::server::http_api::ParsedInferRequest;
namespace oip = vit::server::oip;

bool Inside(const void* p, size_t size, std::string_view buffer) {
  const auto* begin = reinterpret_cast<const char*>(p);
  return begin >= buffer.data() && size <= buffer.size() &&
         begin - buffer.data() <= static_cast<ptrdiff_t>(buffer.size() - size);
}

bool InStrings(std::string_view element, const ParsedInferRequest& parsed) {
  for (const std::string& s : parsed.strings) {
    if (Inside(element.data(), element.size(), s)) return true;
  }
  return element.empty();
}

void CheckTensor(const oip::InputTensor& tensor, std::string_view body,
                 const ParsedInferRequest& parsed) {
  const int64_t count = oip::ElementCount(tensor.shape);
  FUZZ_CHECK(count >= 0, "accepted shape " + oip::ShapeToString(tensor.shape));
  if (tensor.datatype == oip::kFp32) {
    FUZZ_CHECK(tensor.fp32_count == static_cast<size_t>(count),
               std::to_string(tensor.fp32_count) + " floats for shape " +
                   oip::ShapeToString(tensor.shape));
    const size_t bytes = tensor.fp32_count * sizeof(float);
    const bool in_storage = tensor.fp32 == tensor.fp32_storage.data() &&
                            tensor.fp32_storage.size() == tensor.fp32_count;
    FUZZ_CHECK(count == 0 || in_storage || Inside(tensor.fp32, bytes, body),
               "FP32 data outside the body and the storage");
    for (size_t i = 0; i < tensor.fp32_count; ++i) {
      float value;
      std::memcpy(&value, static_cast<const char*>(tensor.fp32) + i * sizeof(float), sizeof(float));
      // Binary floats may be anything; JSON ones must be finite.
      FUZZ_CHECK(!in_storage || std::isfinite(value), "non-finite float from JSON");
    }
  } else {
    FUZZ_CHECK(tensor.datatype == oip::kBytes, "accepted datatype " + tensor.datatype);
    FUZZ_CHECK(tensor.bytes_elements.size() == static_cast<size_t>(count),
               std::to_string(tensor.bytes_elements.size()) + " elements for shape " +
                   oip::ShapeToString(tensor.shape));
    for (std::string_view element : tensor.bytes_elements) {
      FUZZ_CHECK(Inside(element.data(), element.size(), body) || InStrings(element, parsed),
                 "BYTES element outside the body and the storage");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::optional<size_t> json_length;
  size_t skip = 1;
  if (data[0] != 0) {
    if (size < 3) return 0;
    skip = 3;
    const size_t value = size_t{data[1]} | size_t{data[2]} << 8;
    json_length = value % (size - skip + 2);
  }
  // A copy of exactly the body, so that ASan sees any read past its end.
  const std::string body(reinterpret_cast<const char*>(data) + skip, size - skip);
  auto parsed = vit::server::http_api::ParseInferRequest(body, json_length);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == vit::StatusCode::kInvalidArgument &&
                   !parsed.status().message().empty(),
               "not a caller error: " + parsed.status().ToString());
    return 0;
  }
  // The tensors must survive the move out of the StatusOr.
  const ParsedInferRequest request = std::move(*parsed);
  for (const oip::InputTensor& tensor : request.request.inputs) CheckTensor(tensor, body, request);
  for (const oip::RequestedOutput& output : request.request.outputs) {
    FUZZ_CHECK(output.classification >= 0, "negative classification");
  }
  return 0;
}
