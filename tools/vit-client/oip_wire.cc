#include "tools/vit-client/oip_wire.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace vit::client::oip {
namespace {

// "[-1, 3, 224, 224]"; protobuf's JSON mapping writes int64 as strings.
std::string ShapeText(const nlohmann::json& shape) {
  std::string out = "[";
  if (shape.is_array()) {
    for (size_t i = 0; i < shape.size(); ++i) {
      if (i > 0) out += ", ";
      out += shape[i].is_string() ? shape[i].get<std::string>() : shape[i].dump();
    }
  }
  return out + "]";
}

std::string Text(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) return "";
  const nlohmann::json& value = object[key];
  return value.is_string() ? value.get<std::string>() : value.dump();
}

void AddTensors(const nlohmann::json& metadata, const char* key, const char* what,
                std::string* out) {
  if (!metadata.contains(key) || !metadata[key].is_array()) return;
  for (const nlohmann::json& tensor : metadata[key]) {
    *out += std::string(what) + Text(tensor, "name") + " " + Text(tensor, "datatype") + " " +
            ShapeText(tensor.value("shape", nlohmann::json::array())) + "\n";
  }
}

std::string Join(const nlohmann::json& values) {
  std::string out;
  if (!values.is_array()) return out;
  for (const nlohmann::json& v : values) {
    if (!out.empty()) out += ", ";
    out += v.is_string() ? v.get<std::string>() : v.dump();
  }
  return out;
}

}  // namespace

std::string BytesLengthPrefix(size_t size) {
  const auto n = static_cast<uint32_t>(size);
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out;
}

std::string EncodeBytesElement(std::string_view element) {
  std::string out = BytesLengthPrefix(element.size());
  out.append(element);
  return out;
}

StatusOr<std::vector<std::string>> SplitBytesElements(std::string_view data, int64_t expected) {
  std::vector<std::string> elements;
  size_t at = 0;
  while (at < data.size()) {
    if (data.size() - at < 4) {
      return DataLossError("BYTES tensor data: " + std::to_string(data.size() - at) +
                           " trailing bytes, too few for a 4-byte length");
    }
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i)
      n |= static_cast<uint32_t>(static_cast<uint8_t>(data[at + i])) << (8 * i);
    at += 4;
    if (n > data.size() - at) {
      return DataLossError("BYTES tensor data: element " + std::to_string(elements.size()) +
                           " declares " + std::to_string(n) + " bytes, " +
                           std::to_string(data.size() - at) + " left");
    }
    elements.emplace_back(data.substr(at, n));
    at += n;
  }
  if (expected >= 0 && static_cast<int64_t>(elements.size()) != expected) {
    return DataLossError("BYTES tensor data holds " + std::to_string(elements.size()) +
                         " elements, the shape says " + std::to_string(expected));
  }
  return elements;
}

StatusOr<Prediction> ParseClassificationEntry(std::string_view entry) {
  const size_t first = entry.find(':');
  const auto bad = [&](const char* what) {
    return DataLossError("classification entry '" + std::string(entry) + "': " + what);
  };
  if (first == std::string_view::npos) return bad("not value:index:label");
  const size_t second = entry.find(':', first + 1);
  const std::string value(entry.substr(0, first));
  const std::string_view index = entry.substr(
      first + 1, second == std::string_view::npos ? std::string_view::npos : second - first - 1);
  Prediction p;
  char* end = nullptr;
  p.probability = std::strtof(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size()) return bad("the value is not a number");
  const auto [ptr, error] =
      std::from_chars(index.data(), index.data() + index.size(), p.class_index);
  if (index.empty() || error != std::errc() || ptr != index.data() + index.size() ||
      p.class_index < 0) {
    return bad("the index is not a non-negative integer");
  }
  if (second != std::string_view::npos) p.label = std::string(entry.substr(second + 1));
  return p;
}

StatusOr<std::vector<Prediction>> ParsePredictions(const std::vector<std::string>& entries) {
  std::vector<Prediction> predictions;
  for (const std::string& entry : entries) {
    VIT_ASSIGN_OR_RETURN(Prediction p, ParseClassificationEntry(entry));
    predictions.push_back(std::move(p));
  }
  return predictions;
}

StatusOr<std::string> OnlyModel(const std::vector<std::string>& names) {
  std::vector<std::string> distinct;
  for (const std::string& name : names) {
    if (std::find(distinct.begin(), distinct.end(), name) == distinct.end())
      distinct.push_back(name);
  }
  if (distinct.size() == 1) return distinct[0];
  std::string listed;
  for (const std::string& name : distinct) listed += (listed.empty() ? "" : ", ") + name;
  return NotFoundError("the server lists " + std::to_string(distinct.size()) + " models" +
                       (listed.empty() ? "" : " (" + listed + ")") + ": pass --model NAME");
}

static std::string InfoTextUnchecked(const nlohmann::json& info) {
  std::string out;
  const nlohmann::json server = info.value("server", nlohmann::json::object());
  if (!server.empty()) {
    out += "server       " + Text(server, "name") + " " + Text(server, "version");
    out += " (extensions: " + Join(server.value("extensions", nlohmann::json::array())) + ")\n";
  }
  const nlohmann::json metadata = info.value("metadata", nlohmann::json::object());
  if (!metadata.empty()) {
    out += "model        " + Text(metadata, "name") + ", versions " +
           Join(metadata.value("versions", nlohmann::json::array())) + ", platform " +
           Text(metadata, "platform") + "\n";
    AddTensors(metadata, "inputs", "input        ", &out);
    AddTensors(metadata, "outputs", "output       ", &out);
  }
  const nlohmann::json config = info.value("config", nlohmann::json::object());
  if (!config.empty()) {
    out += "batching     max " + Text(config, "max_batch_size");
    if (config.contains("dynamic_batching")) {
      const nlohmann::json& dynamic = config["dynamic_batching"];
      out += ", dynamic (delay " + Text(dynamic, "max_queue_delay_microseconds") + " us";
      const std::string preferred =
          Join(dynamic.value("preferred_batch_size", nlohmann::json::array()));
      if (!preferred.empty()) out += ", preferred " + preferred;
      out += ")";
    }
    out += "\n";
  }
  return out;
}

std::string InfoText(const nlohmann::json& info) {
  try {  // json::value() throws on a field of an unexpected type
    return InfoTextUnchecked(info);
  } catch (const nlohmann::json::exception& e) {
    return std::string("(cannot describe the answer: ") + e.what() + ")\n";
  }
}

}  // namespace vit::client::oip
