// motcua-hub users add USERNAME --name "Full Name" --data DIR [--json]
// motcua-hub users list|disable USERNAME|enable USERNAME|passwd USERNAME --data DIR [--json]
// The province's IT staff accounts for the hub's web dashboard (hub/it_accounts.hpp). `add` and
// `passwd` read the password from the first line of standard input, never from the command line
// (which other users of the machine can see in the process list).
#include <iostream>
#include <memory>

#include "hub/cli/cli.hpp"
#include "hub/hub_store.hpp"
#include "hub/it_accounts.hpp"

namespace motcua::hub::cli {

namespace {

Result<std::string> read_password() {
  std::string line;
  if (!std::getline(std::cin, line)) {
    return fail(Error::invalid_input("no password on standard input",
                                     "pipe it in, e.g. printf '%s\\n' \"$PASSWORD\" | motcua-hub users add ...")
                    .vi("Chưa nhập mật khẩu."));
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

Command add_users_command(CLI::App& root) {
  struct Opts {
    CommonOptions common;
    std::string username;
    std::string name;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("users", "Manage the IT staff accounts of the hub's web dashboard");
  app->require_subcommand(1);
  CLI::App* add = app->add_subcommand("add", "Create an account (password on the first line of standard input)");
  CLI::App* list = app->add_subcommand("list", "List the accounts");
  CLI::App* disable = app->add_subcommand("disable", "Disable an account (its sessions end at once)");
  CLI::App* enable = app->add_subcommand("enable", "Enable a disabled or locked account");
  CLI::App* passwd = app->add_subcommand(
      "passwd", "Set a new password from the first line of standard input (the account's sessions end)");
  for (CLI::App* sub : {add, list, disable, enable, passwd}) add_common_options(sub, o->common);
  for (CLI::App* sub : {add, disable, enable, passwd}) {
    sub->add_option("username", o->username, "Login name: 2-32 of a-z, 0-9, '.', '_', '-'")->required();
  }
  add->add_option("--name", o->name, "Full name as shown on the dashboard (Vietnamese)")->required();
  return {app, [o, add, list, disable, enable, passwd] {
            auto store = HubStore::open(o->common.data_dir, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            sql::Db& db = store->db();
            const Clock& clock = store->clock();
            if (add->parsed()) {
              auto password = read_password();
              if (!password) return report_error(password.error(), o->common.json);
              auto a = add_it_account(db, clock, o->username, o->name, *password);
              if (!a) return report_error(a.error(), o->common.json);
              if (o->common.json) {
                print_json({{"username", a->username}, {"name", a->display_name}});
              } else {
                std::cout << "Đã tạo tài khoản " << a->username << " (" << a->display_name << ")\n";
              }
              return 0;
            }
            if (list->parsed()) {
              auto accounts = list_it_accounts(db);
              if (!accounts) return report_error(accounts.error(), o->common.json);
              if (o->common.json) {
                nlohmann::json out = nlohmann::json::array();
                for (const auto& a : *accounts) {
                  out.push_back({{"username", a.username},
                                 {"name", a.display_name},
                                 {"created_at", format_rfc3339_vn(a.created_at)},
                                 {"disabled", a.disabled_at.has_value()}});
                }
                print_json({{"accounts", out}});
              } else {
                for (const auto& a : *accounts) {
                  std::cout << a.username << "\t" << a.display_name << (a.disabled_at ? "\t(đã vô hiệu hóa)" : "") << "\n";
                }
              }
              return 0;
            }
            Status done = ok();
            if (passwd->parsed()) {
              auto password = read_password();
              if (!password) return report_error(password.error(), o->common.json);
              done = set_it_password(db, clock, o->username, *password);
            } else if (disable->parsed()) {
              done = disable_it_account(db, clock, o->username);
            } else if (enable->parsed()) {
              done = enable_it_account(db, clock, o->username);
            }
            if (!done) return report_error(done.error(), o->common.json);
            if (o->common.json) print_json({{"username", o->username}, {"done", true}});
            else std::cout << "Đã cập nhật tài khoản " << o->username << "\n";
            return 0;
          }};
}

}  // namespace motcua::hub::cli
