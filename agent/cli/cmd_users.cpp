// motcua-agent users add USERNAME --name "Full Name" [--role lead|clerk] --password-stdin --data DIR
// motcua-agent users list|disable USERNAME|enable USERNAME|passwd USERNAME --password-stdin --data DIR
// The clerk web UI's local accounts (agent/accounts.hpp). The installer creates the office lead's
// account; the lead adds the clerks (here or on the web UI's "Tài khoản" page). Passwords are read
// from the first line of standard input, never from the command line (which other users of the PC
// can see in the process list).
#include <iostream>
#include <memory>

#include "agent/accounts.hpp"
#include "agent/cli/cli.hpp"

namespace motcua::agent::cli {

namespace {

Result<std::string> read_password() {
  std::string line;
  if (!std::getline(std::cin, line)) {
    return fail(Error::invalid_input("no password on standard input",
                                     "pipe it in, e.g. printf '%s\\n' \"$PASSWORD\" | motcua-agent users add ..."));
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
    std::string role = "clerk";
    bool password_stdin = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("users", "Manage the clerk web UI's accounts (sign-in for counter staff)");
  app->require_subcommand(1);
  CLI::App* add = app->add_subcommand("add", "Create an account");
  CLI::App* list = app->add_subcommand("list", "List the accounts");
  CLI::App* disable = app->add_subcommand("disable", "Lock an account (its sessions end at once)");
  CLI::App* enable = app->add_subcommand("enable", "Unlock an account");
  CLI::App* passwd = app->add_subcommand("passwd", "Set a new password (the account's sessions end)");
  for (CLI::App* sub : {add, list, disable, enable, passwd}) add_common_options(sub, o->common);
  for (CLI::App* sub : {add, disable, enable, passwd}) {
    sub->add_option("username", o->username, "Login name: 2-32 of a-z, 0-9, '.', '_', '-'")->required();
  }
  add->add_option("--name", o->name, "Full name as shown on pages and printed forms (Vietnamese)")->required();
  add->add_option("--role", o->role, "lead (manages accounts) or clerk (default)")->check(CLI::IsMember({"lead", "clerk"}));
  for (CLI::App* sub : {add, passwd}) {
    sub->add_flag("--password-stdin", o->password_stdin, "Read the password from the first line of standard input")
        ->required();
  }
  return {app, [o, add, list, disable, enable, passwd] {
            auto store = Store::open(o->common.data_dir, false, process_clock());
            if (!store) return report_error(store.error(), o->common.json);
            if (add->parsed()) {
              auto password = read_password();
              if (!password) return report_error(password.error(), o->common.json);
              auto role = parse_role(o->role);
              if (!role) return report_error(role.error(), o->common.json);
              auto a = add_account(*store, o->username, o->name, *role, *password);
              if (!a) return report_error(a.error(), o->common.json);
              if (o->common.json) {
                print_json({{"username", a->username}, {"name", a->display_name}, {"role", role_name(a->role)}});
              } else {
                std::cout << "Đã tạo tài khoản " << a->username << " (" << a->display_name << ")\n";
              }
              return 0;
            }
            if (list->parsed()) {
              auto accounts = list_accounts(*store);
              if (!accounts) return report_error(accounts.error(), o->common.json);
              nlohmann::json out = nlohmann::json::array();
              for (const auto& a : *accounts) {
                out.push_back({{"username", a.username},
                               {"name", a.display_name},
                               {"role", role_name(a.role)},
                               {"created_at", format_rfc3339_vn(a.created_at)},
                               {"disabled", a.disabled_at.has_value()}});
              }
              if (o->common.json) {
                print_json({{"accounts", out}});
              } else {
                for (const auto& a : *accounts) {
                  std::cout << a.username << "\t" << a.display_name << "\t" << role_name(a.role)
                            << (a.disabled_at ? "\t(đã khóa)" : "") << "\n";
                }
              }
              return 0;
            }
            Status done = ok();
            if (passwd->parsed()) {
              auto password = read_password();
              if (!password) return report_error(password.error(), o->common.json);
              done = set_password(*store, o->username, *password);
            } else if (disable->parsed()) {
              done = disable_account(*store, o->username);
            } else if (enable->parsed()) {
              done = enable_account(*store, o->username);
            }
            if (!done) return report_error(done.error(), o->common.json);
            if (o->common.json) print_json({{"username", o->username}, {"done", true}});
            else std::cout << "Đã cập nhật tài khoản " << o->username << "\n";
            return 0;
          }};
}

}  // namespace motcua::agent::cli
