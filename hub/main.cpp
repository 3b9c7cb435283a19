// motcua-hub: the provincial hub. Its commands arrive with the protocol (init, serve, enrollment);
// until then it prints its usage.
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  const char* usage =
      "motcua-hub: the provincial hub that receives offices' change sets and publishes reference data\n"
      "\n"
      "Usage: motcua-hub --help | --version\n"
      "\n"
      "This build has no hub commands yet: offices run standalone with motcua-agent.\n";
  if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::fputs(usage, stdout);
    return 0;
  }
  if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
    std::puts("motcua-hub 0.1.0");
    return 0;
  }
  std::fputs(usage, stderr);
  return 2;
}
