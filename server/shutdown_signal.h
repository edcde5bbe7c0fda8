// SIGTERM / SIGINT as an event a thread can wait for: the signals are blocked
// in every thread (so gRPC's threads never see them) and taken with sigwait.
#pragma once

namespace vit::server {

/// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread and every thread
/// it starts afterwards. Call first thing in main().
void BlockTerminationSignals();

/// Waits up to `timeout_ms` for SIGHUP (blocked beforehand): true when it
/// came (the model repository is then rescanned).
bool WaitForRescanSignal(int timeout_ms);

/// Waits for SIGTERM or SIGINT (blocked beforehand) and returns its number.
int WaitForTerminationSignal();

}  // namespace vit::server
