// What both Open Inference Protocol clients (gRPC and HTTP) share: the
// serialized form of BYTES tensors, the classification extension's strings,
// the tensor names this client uses, and the OIP `info` for people.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "tools/vit-client/front_door.h"

namespace vit::client::oip {

/// The input carrying one encoded image: BYTES, shape [1, 1].
inline constexpr const char* kImageInput = "image";
/// The output asked with the classification extension: its top-k of
/// "value:index:label" are probabilities (as vit.v1 Classify returns).
inline constexpr const char* kProbabilitiesOutput = "probabilities";
/// OIP has no "server default" for k (vit.v1's top_k 0): --top-k 0 asks this many.
inline constexpr int kDefaultTopK = 5;

/// The 4-byte little-endian length that precedes a BYTES element of `size` bytes.
std::string BytesLengthPrefix(size_t size);

/// One BYTES element as raw tensor data: its length as 4 bytes little-endian,
/// then the bytes (gRPC raw_input_contents, HTTP binary data).
std::string EncodeBytesElement(std::string_view element);

/// Splits raw BYTES tensor data into its elements. DATA_LOSS when a length
/// runs past the end, or the element count is not `expected` (-1 = any).
StatusOr<std::vector<std::string>> SplitBytesElements(std::string_view data, int64_t expected);

/// One classification entry, "value:index:label" (Triton's classification
/// extension; the label may contain ':' and may be absent: "value:index").
/// DATA_LOSS naming the entry when the value or index does not parse.
StatusOr<Prediction> ParseClassificationEntry(std::string_view entry);

/// The classification entries of one image, best first.
StatusOr<std::vector<Prediction>> ParsePredictions(const std::vector<std::string>& entries);

/// The model to use when --model is not given: the only name in `names`
/// (the models the statistics extension listed, duplicates for several
/// versions allowed). NOT_FOUND saying to pass --model otherwise.
StatusOr<std::string> OnlyModel(const std::vector<std::string>& names);

/// `info` for people, from {"server": ServerMetadata, "metadata":
/// ModelMetadata, "config": ModelConfig} as JSON (gRPC: protobuf's JSON
/// mapping with the proto's field names; HTTP: the REST documents, same
/// names). Missing parts are left out.
std::string InfoText(const nlohmann::json& info);

}  // namespace vit::client::oip
