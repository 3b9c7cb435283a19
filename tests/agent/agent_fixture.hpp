// An office set up from the repository's sample catalogue and calendar in a fresh temp dir, with a
// manual clock, for library-level agent tests.
#pragma once

#include <string>

#include "agent/dossiers.hpp"
#include "agent/setup.hpp"
#include "agent/store.hpp"
#include "common/time.hpp"
#include "tests/support/temp_dir.hpp"

namespace motcua::test {

// Vietnam-time instant from "2026-02-13T10:00" (no offset = Vietnam time).
Instant vn(const std::string& local);

struct Office {
  explicit Office(const std::string& unit = "11953", const std::string& start = "2026-03-02T09:00");
  TempDir dir;
  ManualClock clock;
  agent::Store store;

  // Receives a dossier for `procedure` with valid defaults; REQUIREs success.
  agent::ReceiveResult receive(const std::string& procedure = "2.001019", const std::string& applicant = "Nguyễn Thị Hoa");
};

// Sets up an office in `dir` from the sample files; REQUIREs success.
void init_sample_office(const std::string& dir, const std::string& unit, const Clock& clock);

}  // namespace motcua::test
