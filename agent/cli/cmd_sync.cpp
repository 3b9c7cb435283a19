// motcua-agent sync --data DIR [--json]
// Sends every pending change to the hub once. Exit 0 only when the hub was reached and nothing is
// left pending; otherwise non-zero with a one-line reason (unreachable, not enrolled, refused).
#include <iostream>
#include <memory>

#include "agent/cli/cli.hpp"
#include "agent/sync.hpp"

namespace motcua::agent::cli {

Command add_sync_command(CLI::App& root) {
  auto o = std::make_shared<CommonOptions>();
  CLI::App* app = root.add_subcommand("sync", "Send pending changes to the hub now");
  add_common_options(app, *o);
  return {app, [o] {
            auto store = Store::open(o->data_dir, false, process_clock());
            if (!store) return report_error(store.error(), o->json);
            auto r = sync_outbox(*store);
            if (!r) return report_error(r.error(), o->json);
            if (o->json) {
              print_json({{"batches", r->batches}, {"applied", r->applied}, {"duplicate", r->duplicate},
                          {"quarantined", r->quarantined}, {"refused", r->refused}, {"pending_changes", r->pending_left},
                          {"bytes_sent", r->bytes_sent}, {"requests", r->requests}, {"wire_bytes_up", r->wire_bytes_up},
                          {"wire_bytes_down", r->wire_bytes_down}, {"reason", r->last_reason},
                          {"sent_changes_forgotten", r->pruned},
                          {"feed", feed_json(r->feed)}});
            } else {
              std::cout << "Đã gửi " << r->batches << " lô thay đổi; còn " << r->pending_left << " thay đổi chưa gửi.\n";
              print_feed_vi(r->feed);
              if (r->quarantined + r->refused > 0) {
                std::cout << "Có " << (r->quarantined + r->refused)
                          << " lô cần CNTT tỉnh xem xét: " << r->last_reason << "\n";
              }
            }
            if (r->quarantined + r->refused > 0) {
              return report_error(Error::conflict("the hub set aside " + std::to_string(r->quarantined + r->refused) +
                                                      " batch(es): " + r->last_reason,
                                                  "provincial IT must review them; other changes keep flowing"),
                                  o->json);
            }
            return r->pending_left == 0 ? 0 : kExitUnavailable;
          }};
}

}  // namespace motcua::agent::cli
