#include "model/fast/dnnl_context.h"

#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace vit::fast {

dnnl::engine& CpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& CpuStream() {
  thread_local dnnl::stream stream(CpuEngine());
  return stream;
}

// omp_set_num_threads sets this thread's own ICV (libgomp gives the calling
// thread a task of its own): other threads' parallel regions are not touched.
OneThreadScope::OneThreadScope() {
#ifdef _OPENMP
  threads_ = omp_get_max_threads();
  omp_set_num_threads(1);
#endif
}

OneThreadScope::~OneThreadScope() {
#ifdef _OPENMP
  omp_set_num_threads(threads_);
#endif
}

dnnl::primitive_attr UserScratchpadAttr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

dnnl::memory ThreadScratchpad(const dnnl::memory::desc& desc) {
  thread_local std::vector<char> buffer;
  if (buffer.size() < desc.get_size()) buffer.resize(desc.get_size());
  return dnnl::memory(desc, CpuEngine(), buffer.data());
}

void ExecuteMatmulOnThread(const dnnl::primitive& matmul, const dnnl::memory& src,
                           const dnnl::memory& weights, const dnnl::memory& dst,
                           const dnnl::memory::desc& scratchpad) {
  dnnl::stream& stream = CpuStream();
  matmul.execute(stream, {{DNNL_ARG_SRC, src},
                          {DNNL_ARG_WEIGHTS, weights},
                          {DNNL_ARG_DST, dst},
                          {DNNL_ARG_SCRATCHPAD, ThreadScratchpad(scratchpad)}});
  stream.wait();
}

}  // namespace vit::fast
