// Measures the largest single allocation (operator new) made on this thread while a probe lives, so
// a test can show that a decoder never allocates what a hostile header declares. The test
// executable that links allocation_probe.cpp replaces the global operator new/delete (plain malloc
// and free underneath; nothing else changes).
#pragma once

#include <cstddef>

namespace motcua::test {

class AllocationProbe {
 public:
  AllocationProbe();
  ~AllocationProbe();
  AllocationProbe(const AllocationProbe&) = delete;
  AllocationProbe& operator=(const AllocationProbe&) = delete;

  size_t largest() const { return m_largest; }

 private:
  size_t m_largest = 0;
  AllocationProbe* m_outer = nullptr;
};

}  // namespace motcua::test
