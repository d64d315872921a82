#include "workflow/calendar_store.hpp"

#include <fmt/format.h>

#include "core/calendar_import.hpp"
#include "core/clock.hpp"
#include "store/snapshot.hpp"
#include "workflow/machine.hpp"

namespace manyi::workflow {
namespace {

store::Snapshots<calendar::Calendar>& snapshots() {
  static store::Snapshots<calendar::Calendar> s("calendar.config");
  return s;
}

template <class Reader>
calendar::Calendar load(Reader& rd) {
  return *snapshots().get(rd, [](Reader& r) {
    calendar::Calendar cal;
    for (auto& row : r.query("SELECT day, workday, name FROM calendar_days"))
      if (auto d = calendar::parse_date(row.str(0))) cal.set(*d, {row.i64(1) != 0, row.str(2)});
    return cal;
  });
}

}  // namespace

calendar::Calendar load_calendar(store::Tx& tx) { return load(tx); }
calendar::Calendar load_calendar(store::Db& db) { return load(db); }

void set_calendar_day(store::Db& db, const audit::Actor& who, calendar::Day day, std::optional<bool> workday,
                      const std::string& name) {
  check_text(name, "name", 50, false);
  auto date = calendar::format_date(day);
  db.write([&](store::Tx& tx) {
    if (workday) {
      tx.exec(
          "INSERT INTO calendar_days(day, workday, name, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (day) DO "
          "UPDATE SET workday = excluded.workday, name = excluded.name, updated_at = excluded.updated_at",
          {date, int64_t{*workday}, name, now_ms()});
    } else {
      tx.exec("DELETE FROM calendar_days WHERE day = ?", {date});
    }
    snapshots().changed(tx);
    audit::record(tx, who,
                  {"calendar.set", "calendar_day", 0, 0, "", "", "",
                   date + ": " +
                       (!workday   ? std::string("恢复默认")
                        : *workday ? "调休上班 " + name
                                   : "放假 " + name)});
  });
}

int import_calendar(store::Db& db, const audit::Actor& who, const std::string& json_text) {
  auto file = calendar::parse_import(json_text);
  const auto& years = file.years;
  db.write([&](store::Tx& tx) {
    for (int y : years)
      tx.exec("DELETE FROM calendar_days WHERE day >= ? AND day <= ?",
              {fmt::format("{}-01-01", y), fmt::format("{}-12-31", y)});
    int64_t now = now_ms();
    std::vector<store::Params> ins;
    for (auto& d : file.days) ins.push_back({calendar::format_date(d.day), int64_t{d.workday}, d.name, now});
    if (!ins.empty()) tx.insert_rows("calendar_days", {"day", "workday", "name", "updated_at"}, ins);
    std::string ys;
    for (int y : years) ys += (ys.empty() ? "" : ",") + std::to_string(y);
    snapshots().changed(tx);
    audit::record(
        tx, who,
        {"calendar.import", "calendar_day", 0, 0, "", "", "", fmt::format("{} 年：{} 天", ys, file.days.size())});
  });
  return static_cast<int>(file.days.size());
}

}  // namespace manyi::workflow
