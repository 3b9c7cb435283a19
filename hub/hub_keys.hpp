// The hub's Ed25519 key pair: signs acknowledgements (and later feed pages). The private key lives
// in DIR/hub-key.pem, readable by the hub's user only; agents receive the public key at enrollment.
#pragma once

#include <string>

#include "common/error.hpp"
#include "sync-protocol/keys.hpp"

namespace motcua::hub {

std::string hub_key_path(const std::string& data_dir);

// Generates a key pair and writes it to DIR/hub-key.pem (mode 0600). Refuses to overwrite.
Result<sync::KeyPair> create_hub_key(const std::string& data_dir);

// Reads DIR/hub-key.pem. kFailedPrecondition when missing, kCorruption when unreadable as a key.
Result<sync::KeyPair> load_hub_key(const std::string& data_dir);

}  // namespace motcua::hub
