// The process-wide oneDNN CPU engine and stream used by the fast path.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

namespace vit::fast {

/// One CPU engine for the process (oneDNN engines are cheap but primitives
/// are tied to the engine they were created on).
dnnl::engine& CpuEngine();
/// An in-order stream on CpuEngine(); the fast path runs from one thread at
/// a time (InferenceEngine::Run is thread-compatible), so one stream suffices.
dnnl::stream& CpuStream();

}  // namespace vit::fast
