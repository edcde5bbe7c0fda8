#include "tools/vit-bench/matmul_ceiling.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>

namespace vit::tools {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;
using Clock = std::chrono::steady_clock;

struct Types {
  dt src, weights, dst;
};

StatusOr<Types> TypesOf(const std::string& dtype) {
  if (dtype == "fp32") return Types{dt::f32, dt::f32, dt::f32};
  if (dtype == "bf16") return Types{dt::bf16, dt::bf16, dt::bf16};
  if (dtype == "int8") return Types{dt::u8, dt::s8, dt::s32};
  return InvalidArgumentError("no matmul ceiling for dtype '" + dtype +
                              "' (expected fp32, bf16 or int8)");
}

}  // namespace

StatusOr<double> MatmulCeilingGflops(const std::string& dtype, const CeilingOptions& options) {
  VIT_ASSIGN_OR_RETURN(const Types types, TypesOf(dtype));
  const int64_t n = options.size;
  try {
    dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    dnnl::stream stream(engine);
    dnnl::memory::desc src({n, n}, types.src, tag::ab);
    dnnl::memory::desc weights({n, n}, types.weights, tag::any);
    dnnl::memory::desc dst({n, n}, types.dst, tag::ab);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, weights, dst), engine);
    dnnl::memory s(pd.src_desc(), engine), w(pd.weights_desc(), engine), d(pd.dst_desc(), engine);
    // Small integers: valid in every dtype (bf16 bytes 0x01 0x01 are a tiny
    // normal number), so no denormal slow paths.
    std::memset(s.get_data_handle(), 1, pd.src_desc().get_size());
    std::memset(w.get_data_handle(), 1, pd.weights_desc().get_size());
    dnnl::matmul matmul(pd);
    const std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, s}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, d}};
    matmul.execute(stream, args);  // warm-up: JIT, page faults
    stream.wait();
    double best = 1e30;
    const auto start = Clock::now();
    for (int run = 0; run < 3 || std::chrono::duration<double>(Clock::now() - start).count() <
                                     options.min_seconds;
         ++run) {
      const auto t0 = Clock::now();
      matmul.execute(stream, args);
      stream.wait();
      best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
      if (run > 1000) break;
    }
    return 2.0 * static_cast<double>(n) * n * n / best / 1e9;
  } catch (const dnnl::error& e) {
    return InternalError("oneDNN matmul ceiling for " + dtype + ": " + e.what());
  }
}

}  // namespace vit::tools
