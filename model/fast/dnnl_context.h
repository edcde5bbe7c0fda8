// The process-wide oneDNN CPU engine, the per-thread streams and scratchpads
// of the fast path, and the scope that creates a primitive for one thread.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

namespace vit::fast {

/// One CPU engine for the process (oneDNN engines are cheap but primitives
/// are tied to the engine they were created on).
dnnl::engine& CpuEngine();
/// An in-order stream on CpuEngine(), one per thread: the int8 layers run
/// primitives from several threads at once (OneThreadScope).
dnnl::stream& CpuStream();

/// oneDNN splits a primitive's work for the OpenMP thread count it sees when
/// the primitive is created, and runs it on the calling thread alone when
/// called inside a parallel region. A primitive created inside this scope is
/// split and given scratchpad for one thread, the way a caller that divides
/// the rows between threads itself runs it from each of them (within one
/// parallel region: one fork and join per layer, and each thread's
/// accumulators stay in its own cache). (oneDNN 2.6's brgemm matmul made for
/// two threads also computes correctly inside a region, on one: checked, so
/// this scope is about the plan's fit, not its results.) Such primitives
/// need a user scratchpad (ThreadScratchpad): the library's own is one
/// buffer per primitive, not for concurrent calls. Without OpenMP in this
/// translation unit (the clang sanitizer builds) the scope does nothing and
/// the callers' loops run on one thread, each primitive on oneDNN's threads.
class OneThreadScope {
 public:
  OneThreadScope();
  ~OneThreadScope();
  OneThreadScope(const OneThreadScope&) = delete;
  OneThreadScope& operator=(const OneThreadScope&) = delete;

 private:
  int threads_ = 0;
};

/// The attributes of a primitive that runs with ThreadScratchpad().
dnnl::primitive_attr UserScratchpadAttr();
/// A scratchpad for `desc` (a primitive_desc's scratchpad_desc()) in this
/// thread's buffer, grown as needed; valid until the next call on this thread.
dnnl::memory ThreadScratchpad(const dnnl::memory::desc& desc);
/// Runs a matmul made with UserScratchpadAttr() on this thread's stream and
/// scratchpad, and waits for it.
void ExecuteMatmulOnThread(const dnnl::primitive& matmul, const dnnl::memory& src,
                           const dnnl::memory& weights, const dnnl::memory& dst,
                           const dnnl::memory::desc& scratchpad);

}  // namespace vit::fast
