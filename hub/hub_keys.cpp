#include "hub/hub_keys.hpp"

#include <filesystem>

#include "common/files.hpp"

namespace motcua::hub {

namespace fs = std::filesystem;

std::string hub_key_path(const std::string& data_dir) { return (fs::path(data_dir) / "hub-key.pem").string(); }

Result<sync::KeyPair> create_hub_key(const std::string& data_dir) {
  const std::string path = hub_key_path(data_dir);
  std::error_code ec;
  if (fs::exists(path, ec)) return fail(Error::failed_precondition(path + " already exists", "keep the hub's existing key"));
  MOTCUA_ASSIGN_OR_RETURN(sync::KeyPair key, sync::KeyPair::generate());
  MOTCUA_ASSIGN_OR_RETURN(std::string pem, key.private_pem());
  MOTCUA_TRY(write_private_file(path, pem));
  return key;
}

Result<sync::KeyPair> load_hub_key(const std::string& data_dir) {
  const std::string path = hub_key_path(data_dir);
  auto pem = read_whole_file(path);
  if (!pem) {
    return fail(Error::failed_precondition("the hub's key " + path + " is missing",
                                           "restore hub-key.pem from the backup of this hub's data directory"));
  }
  auto key = sync::KeyPair::from_private_pem(*pem);
  if (!key) return fail(Error::corruption("the hub's key " + path + " cannot be read: " + key.error().message,
                                          "restore hub-key.pem from the backup of this hub's data directory"));
  return key;
}

}  // namespace motcua::hub
