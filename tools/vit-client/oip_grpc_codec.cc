#include "tools/vit-client/oip_grpc_codec.h"

#include "tools/vit-client/oip_wire.h"

namespace vit::client::oip {

inference::ModelInferRequest BuildClassifyRequest(const std::string& model,
                                                  const std::string& image, int top_k) {
  inference::ModelInferRequest request;
  request.set_model_name(model);
  inference::ModelInferRequest::InferInputTensor* input = request.add_inputs();
  input->set_name(kImageInput);
  input->set_datatype("BYTES");
  input->add_shape(1);
  input->add_shape(1);
  request.add_raw_input_contents(EncodeBytesElement(image));
  inference::ModelInferRequest::InferRequestedOutputTensor* output = request.add_outputs();
  output->set_name(kProbabilitiesOutput);
  (*output->mutable_parameters())["classification"].set_int64_param(top_k > 0 ? top_k
                                                                              : kDefaultTopK);
  return request;
}

StatusOr<ClassifyResult> ParseClassifyResponse(const inference::ModelInferResponse& response) {
  for (int i = 0; i < response.outputs_size(); ++i) {
    const inference::ModelInferResponse::InferOutputTensor& output = response.outputs(i);
    if (output.name() != kProbabilitiesOutput) continue;
    if (output.datatype() != "BYTES") {
      return DataLossError("output '" + output.name() + "' is " + output.datatype() +
                           ", not the classification extension's BYTES");
    }
    int64_t count = 1;
    for (int64_t d : output.shape()) count *= d;
    std::vector<std::string> entries;
    if (response.raw_output_contents_size() > 0) {
      if (i >= response.raw_output_contents_size()) {
        return DataLossError("output " + std::to_string(i) + " has no raw_output_contents (" +
                             std::to_string(response.raw_output_contents_size()) + " given)");
      }
      VIT_ASSIGN_OR_RETURN(entries, SplitBytesElements(response.raw_output_contents(i), count));
    } else {
      entries.assign(output.contents().bytes_contents().begin(),
                     output.contents().bytes_contents().end());
      if (static_cast<int64_t>(entries.size()) != count) {
        return DataLossError("output '" + output.name() + "' has " +
                             std::to_string(entries.size()) + " elements, its shape says " +
                             std::to_string(count));
      }
    }
    ClassifyResult result;
    result.model_id = response.model_name();
    VIT_ASSIGN_OR_RETURN(result.predictions, ParsePredictions(entries));
    return result;
  }
  return DataLossError(std::string("the response has no '") + kProbabilitiesOutput + "' output");
}

std::vector<std::string> StatisticsModelNames(const inference::ModelStatisticsResponse& response) {
  std::vector<std::string> names;
  for (const inference::ModelStatistics& stats : response.model_stats())
    names.push_back(stats.name());
  return names;
}

}  // namespace vit::client::oip
