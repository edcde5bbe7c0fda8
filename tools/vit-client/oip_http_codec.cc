#include "tools/vit-client/oip_http_codec.h"

#include <cctype>

#include "tools/vit-client/oip_wire.h"

namespace vit::client::oip {
namespace {

using nlohmann::json;

// JSON "data" of BYTES may be flat or nested by the shape: flatten it.
void Flatten(const json& data, std::vector<std::string>* out) {
  if (data.is_array()) {
    for (const json& item : data) Flatten(item, out);
  } else if (data.is_string()) {
    out->push_back(data.get<std::string>());
  }
}

int64_t Elements(const json& shape) {
  int64_t n = 1;
  if (!shape.is_array()) return -1;
  for (const json& d : shape) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0) return -1;
    n *= d.get<int64_t>();
  }
  return n;
}

// The binary part of each output that has one, split in output order.
StatusOr<std::vector<std::string_view>> SplitBinary(const json& outputs, std::string_view binary) {
  std::vector<std::string_view> parts(outputs.size());
  size_t at = 0;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const json parameters = outputs[i].value("parameters", json::object());
    if (!parameters.is_object() || !parameters.contains("binary_data_size")) continue;
    const json& size = parameters["binary_data_size"];
    if (!size.is_number_unsigned()) return DataLossError("binary_data_size is not a size");
    const auto n = size.get<uint64_t>();
    if (n > binary.size() - at) {
      return DataLossError("output " + std::to_string(i) + " declares binary_data_size " +
                           std::to_string(n) + ", " + std::to_string(binary.size() - at) +
                           " bytes left");
    }
    parts[i] = binary.substr(at, n);
    at += n;
  }
  if (at != binary.size()) {
    return DataLossError(std::to_string(binary.size() - at) +
                         " bytes after the outputs' binary data");
  }
  return parts;
}

}  // namespace

StatusOr<std::string> HttpBaseUrl(const std::string& server, bool* tls) {
  std::string rest = server;
  std::string scheme = *tls ? "https" : "http";
  const size_t sep = rest.find("://");
  if (sep != std::string::npos) {
    scheme = rest.substr(0, sep);
    rest = rest.substr(sep + 3);
    if (scheme == "http" && *tls)
      return InvalidArgumentError("--server " + server + " is http:// but TLS was asked");
    if (scheme != "http" && scheme != "https")
      return InvalidArgumentError("--server " + server + ": the scheme must be http or https");
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find('/') != std::string::npos) {
    return InvalidArgumentError("--server " + server +
                                ": want HOST:PORT or http(s)://HOST:PORT, no path");
  }
  *tls = scheme == "https";
  return scheme + "://" + rest;
}

namespace {

// `prefix` + NAME percent-encoded + `suffix`.
std::string PathWithName(const char* prefix, const std::string& name, const std::string& suffix) {
  static const char* kHex = "0123456789ABCDEF";
  std::string path = prefix;
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      path += static_cast<char>(c);
    } else {
      path += '%';
      path += kHex[c >> 4];
      path += kHex[c & 15];
    }
  }
  return path + suffix;
}

}  // namespace

std::string ModelPath(const std::string& model, const std::string& suffix) {
  return PathWithName("/v2/models/", model, suffix);
}

std::string RepositoryModelPath(const std::string& model, const std::string& suffix) {
  return PathWithName("/v2/repository/models/", model, suffix);
}

InferBodyHead BuildClassifyBodyHead(size_t image_size, int top_k) {
  InferBodyHead head;
  head.length_prefix = BytesLengthPrefix(image_size);
  const json header = {
      {"inputs",
       {{{"name", kImageInput},
         {"datatype", "BYTES"},
         {"shape", {1, 1}},
         {"parameters", {{"binary_data_size", head.length_prefix.size() + image_size}}}}}},
      {"outputs",
       {{{"name", kProbabilitiesOutput},
         {"parameters",
          {{"classification", top_k > 0 ? top_k : kDefaultTopK}, {"binary_data", true}}}}}}};
  head.json = header.dump();
  return head;
}

static StatusOr<ClassifyResult> ParseClassifyJson(std::string_view body, size_t json_length) {
  if (json_length > body.size()) {
    return DataLossError("Inference-Header-Content-Length " + std::to_string(json_length) +
                         " is past the body's " + std::to_string(body.size()) + " bytes");
  }
  const std::string_view text = json_length > 0 ? body.substr(0, json_length) : body;
  const json header = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!header.is_object() || !header.contains("outputs") || !header["outputs"].is_array())
    return DataLossError("the infer response is not a JSON object with \"outputs\"");
  const json& outputs = header["outputs"];
  VIT_ASSIGN_OR_RETURN(std::vector<std::string_view> binary,
                       SplitBinary(outputs, json_length > 0 ? body.substr(json_length) : ""));
  for (size_t i = 0; i < outputs.size(); ++i) {
    const json& output = outputs[i];
    if (!output.is_object() || output.value("name", "") != kProbabilitiesOutput) continue;
    if (output.value("datatype", "") != "BYTES") {
      return DataLossError(std::string("output '") + kProbabilitiesOutput + "' is " +
                           output.value("datatype", "?") +
                           ", not the classification extension's BYTES");
    }
    const int64_t count = Elements(output.value("shape", json()));
    std::vector<std::string> entries;
    const json parameters = output.value("parameters", json::object());
    if (parameters.is_object() && parameters.contains("binary_data_size")) {
      VIT_ASSIGN_OR_RETURN(entries, SplitBytesElements(binary[i], count));
    } else {
      Flatten(output.value("data", json()), &entries);
      if (static_cast<int64_t>(entries.size()) != count) {
        return DataLossError("output '" + std::string(kProbabilitiesOutput) + "' has " +
                             std::to_string(entries.size()) +
                             " strings in \"data\", its shape says " + std::to_string(count));
      }
    }
    ClassifyResult result;
    result.model_id = header.value("model_name", "");
    VIT_ASSIGN_OR_RETURN(result.predictions, ParsePredictions(entries));
    return result;
  }
  return DataLossError(std::string("the response has no '") + kProbabilitiesOutput + "' output");
}

StatusOr<ClassifyResult> ParseClassifyBody(std::string_view body, size_t json_length) {
  try {  // a field of an unexpected JSON type throws from json::value()
    return ParseClassifyJson(body, json_length);
  } catch (const json::exception& e) {
    return DataLossError(std::string("the infer response: ") + e.what());
  }
}

std::string ErrorMessage(std::string_view body) {
  const json document = json::parse(body.begin(), body.end(), nullptr, false);
  if (document.is_object() && document.contains("error") && document["error"].is_string())
    return document["error"].get<std::string>();
  std::string text(body.substr(0, 200));
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

StatusOr<std::vector<std::string>> StatisticsModelNames(std::string_view body) {
  const json document = json::parse(body.begin(), body.end(), nullptr, false);
  if (!document.is_object() || !document.contains("model_stats") ||
      !document["model_stats"].is_array()) {
    return DataLossError("the statistics answer is not {\"model_stats\": [...]}");
  }
  std::vector<std::string> names;
  for (const json& stats : document["model_stats"]) {
    if (stats.is_object() && stats.contains("name") && stats["name"].is_string())
      names.push_back(stats["name"].get<std::string>());
  }
  return names;
}

}  // namespace vit::client::oip
