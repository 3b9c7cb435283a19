// The operating-system calls the hub needs, behind one interface (implemented in platform_posix.cpp;
// the hub runs on Debian).
#pragma once

namespace motcua::hub {

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts afterwards, so that
// wait_for_stop_signal() receives them. Call first thing in main, before starting any thread.
void block_stop_signals();

// Waits until SIGINT or SIGTERM arrives; returns the signal number.
int wait_for_stop_signal();

}  // namespace motcua::hub
