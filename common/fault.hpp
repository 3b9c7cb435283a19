// Named fault points in production code. A test names one point in the MOTCUA_FAULT environment
// variable; when execution reaches it the process announces it on stderr
// ("motcua: fault point NAME reached") and then waits, so the test can SIGKILL it at exactly that
// point. Without MOTCUA_ENABLE_FAULT_POINTS (release packaging) the macro compiles to nothing.
//
// The wait is bounded (60 s) and ends in std::abort(): a forgotten fault point can never let the
// process carry on past it.
#pragma once

namespace motcua {

// Reached `name`: if MOTCUA_FAULT equals it, announce and wait to be killed. Thread-safe.
void fault_point_reached(const char* name);

}  // namespace motcua

#if defined(MOTCUA_ENABLE_FAULT_POINTS)
#define MOTCUA_FAULT_POINT(name) ::motcua::fault_point_reached(name)
#else
#define MOTCUA_FAULT_POINT(name) ((void)0)
#endif
