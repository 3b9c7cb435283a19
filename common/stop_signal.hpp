// Stopping a long-running command cleanly on SIGINT/SIGTERM (a Windows service stop, later): the
// signals are blocked in every thread and received by one waiting thread, which then asks the work
// to stop. Implemented per platform (platform_posix.cpp, platform_win32.cpp). On Windows the
// console's control events stand for the signals: Ctrl-C for SIGINT; Ctrl-Break, closing the
// console, logging off and shutting down for SIGTERM (Windows allows about 5 seconds for the last
// three before it ends the process).
#pragma once

namespace motcua {

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts afterwards, so that
// wait_for_stop_signal() receives them (on Windows: installs the console control handler). Call
// first thing, before starting any thread.
void block_stop_signals();

// Waits until SIGINT or SIGTERM (or its Windows console event) arrives; returns the signal number.
int wait_for_stop_signal();

}  // namespace motcua
