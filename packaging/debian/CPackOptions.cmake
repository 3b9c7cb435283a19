# Read by cpack after CPackConfig.cmake (CPACK_PROJECT_CONFIG_FILE).

# Packages must not ship the named fault points (common/fault.hpp): they are for tests only.
if(CPACK_MOTCUA_FAULT_POINTS AND NOT "$ENV{MOTCUA_PACKAGE_TEST}" STREQUAL "1")
  message(FATAL_ERROR
    "motcua: this build tree compiles the fault points in (MOTCUA_FAULT_POINTS=ON); "
    "release packages come from scripts/package-deb.sh, which builds with MOTCUA_FAULT_POINTS=OFF. "
    "(MOTCUA_PACKAGE_TEST=1 lets tests/packaging package a test build.)")
endif()

# tests/packaging builds a second, higher version to check upgrades.
if(NOT "$ENV{MOTCUA_PACKAGE_VERSION}" STREQUAL "")
  set(CPACK_PACKAGE_VERSION "$ENV{MOTCUA_PACKAGE_VERSION}")
  set(CPACK_DEBIAN_PACKAGE_VERSION "$ENV{MOTCUA_PACKAGE_VERSION}")
endif()
