// SIGTERM / SIGINT as an event a thread can wait for: the signals are blocked
// in every thread (so gRPC's threads never see them) and taken with sigwait.
#pragma once

namespace vit::server {

/// Blocks SIGTERM and SIGINT in the calling thread and every thread it
/// starts afterwards. Call first thing in main().
void BlockTerminationSignals();

/// Waits for SIGTERM or SIGINT (blocked beforehand) and returns its number.
int WaitForTerminationSignal();

}  // namespace vit::server
