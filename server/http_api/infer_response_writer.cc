#include "server/http_api/infer_response_writer.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "server/http_api/json_text.h"

namespace vit::server::http_api {
namespace {

bool IsBinary(const oip::OutputTensor& output, const oip::InferRequest& request) {
  if (request.outputs.empty()) return request.binary_data_output;
  for (const oip::RequestedOutput& requested : request.outputs) {
    if (requested.name == output.name) return requested.binary_data;
  }
  return false;
}

void AppendLittleEndian32(uint32_t value, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

// The tensor's data in the binary extension's layout.
std::string BinaryData(const oip::OutputTensor& output) {
  std::string data;
  if (output.datatype == oip::kBytes) {
    for (const std::string& element : output.bytes_elements) {
      AppendLittleEndian32(static_cast<uint32_t>(element.size()), &data);
      data += element;
    }
  } else {
    // x86 and ARM are little-endian, the extension's byte order.
    data.resize(output.fp32.size() * sizeof(float));
    if (!data.empty()) std::memcpy(data.data(), output.fp32.data(), data.size());
  }
  return data;
}

void AppendJsonData(const oip::OutputTensor& output, std::string* out) {
  out->append(",\"data\":[");
  if (output.datatype == oip::kBytes) {
    for (size_t i = 0; i < output.bytes_elements.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendJsonString(output.bytes_elements[i], out);
    }
  } else {
    for (size_t i = 0; i < output.fp32.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendJsonFloat(output.fp32[i], out);
    }
  }
  out->push_back(']');
}

}  // namespace

EncodedInferResponse WriteInferResponse(const oip::InferResponse& response,
                                        const oip::InferRequest& request) {
  std::string json = "{\"model_name\":";
  AppendJsonString(response.model_name, &json);
  if (!response.model_version.empty()) {
    json += ",\"model_version\":";
    AppendJsonString(response.model_version, &json);
  }
  if (!response.id.empty()) {
    json += ",\"id\":";
    AppendJsonString(response.id, &json);
  }
  json += ",\"outputs\":[";
  std::vector<std::string> blobs;
  for (size_t i = 0; i < response.outputs.size(); ++i) {
    const oip::OutputTensor& output = response.outputs[i];
    if (i > 0) json.push_back(',');
    json += "{\"name\":";
    AppendJsonString(output.name, &json);
    json += ",\"datatype\":";
    AppendJsonString(output.datatype, &json);
    json += ",\"shape\":[";
    for (size_t d = 0; d < output.shape.size(); ++d) {
      if (d > 0) json.push_back(',');
      json += std::to_string(output.shape[d]);
    }
    json.push_back(']');
    if (IsBinary(output, request)) {
      blobs.push_back(BinaryData(output));
      json += ",\"parameters\":{\"binary_data_size\":" + std::to_string(blobs.back().size()) + "}";
    } else {
      AppendJsonData(output, &json);
    }
    json.push_back('}');
  }
  json += "]}";

  EncodedInferResponse encoded;
  if (blobs.empty()) {
    encoded.body = std::move(json);
    return encoded;
  }
  encoded.json_length = json.size();
  encoded.body = std::move(json);
  for (const std::string& blob : blobs) encoded.body += blob;
  return encoded;
}

}  // namespace vit::server::http_api
