#include "tests/sync-protocol/allocation_probe.hpp"

#include <cstdlib>
#include <new>

namespace motcua::test {

namespace {
thread_local AllocationProbe* g_probe = nullptr;
thread_local size_t* g_largest = nullptr;
}  // namespace

AllocationProbe::AllocationProbe() : m_outer(g_probe) {
  g_probe = this;
  g_largest = &m_largest;
}

AllocationProbe::~AllocationProbe() {
  g_probe = m_outer;
  g_largest = m_outer ? &m_outer->m_largest : nullptr;
}

}  // namespace motcua::test

namespace {
void* allocate(std::size_t size) noexcept {
  if (motcua::test::g_largest && size > *motcua::test::g_largest) *motcua::test::g_largest = size;
  return std::malloc(size ? size : 1);
}
}  // namespace

// Every non-aligned form is replaced, so each allocation and its release pair up (malloc/free)
// whichever form the caller used.
void* operator new(std::size_t size) {
  if (void* p = allocate(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  if (void* p = allocate(size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return allocate(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return allocate(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
