// Stopping a long-running command cleanly on SIGINT/SIGTERM (a Windows service stop, later): the
// signals are blocked in every thread and received by one waiting thread, which then asks the work
// to stop. Implemented per platform (platform_posix.cpp).
#pragma once

namespace motcua {

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts afterwards, so that
// wait_for_stop_signal() receives them. Call first thing, before starting any thread.
void block_stop_signals();

// Waits until SIGINT or SIGTERM arrives; returns the signal number.
int wait_for_stop_signal();

}  // namespace motcua
