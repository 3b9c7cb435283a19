#include "hub/hub_keys.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace motcua::hub {

namespace fs = std::filesystem;

std::string hub_key_path(const std::string& data_dir) { return (fs::path(data_dir) / "hub-key.pem").string(); }

Result<sync::KeyPair> create_hub_key(const std::string& data_dir) {
  const std::string path = hub_key_path(data_dir);
  std::error_code ec;
  if (fs::exists(path, ec)) return fail(Error::failed_precondition(path + " already exists", "keep the hub's existing key"));
  MOTCUA_ASSIGN_OR_RETURN(sync::KeyPair key, sync::KeyPair::generate());
  MOTCUA_ASSIGN_OR_RETURN(std::string pem, key.private_pem());
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return fail(Error::io("cannot write " + tmp, "check the data directory's permissions"));
    // Restrict before the secret is written.
    fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, ec);
    out << pem;
    out.flush();
    if (!out) return fail(Error::io("cannot write " + tmp, "check free disk space"));
  }
  fs::rename(tmp, path, ec);
  if (ec) return fail(Error::io("cannot create " + path + ": " + ec.message()));
  return key;
}

Result<sync::KeyPair> load_hub_key(const std::string& data_dir) {
  const std::string path = hub_key_path(data_dir);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(Error::failed_precondition("the hub's key " + path + " is missing",
                                           "restore hub-key.pem from the backup of this hub's data directory"));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  auto key = sync::KeyPair::from_private_pem(ss.str());
  if (!key) return fail(Error::corruption("the hub's key " + path + " cannot be read: " + key.error().message,
                                          "restore hub-key.pem from the backup of this hub's data directory"));
  return key;
}

}  // namespace motcua::hub
