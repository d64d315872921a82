#include "feedback/export.hpp"

#include <fmt/format.h>
#include <xlsxwriter.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "core/id.hpp"
#include "reports/xlsx.hpp"
#include "core/period.hpp"

namespace manyi::feedback {
namespace {

std::string time_text(int64_t ms) {
  int d = period::local_day(ms);
  int64_t in_day = ms - period::day_start_ms(d);
  return fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d}", d / 10000, d / 100 % 100, d % 100, in_day / 3600000,
                     in_day / 60000 % 60);
}

}  // namespace

std::string ranking_xlsx(const std::string& node_name, const std::string& period_label, const std::string& surveys,
                         const std::vector<metrics::RankGroup>& groups, int64_t min_n) {
  reports::Workbook b;
  auto ws = b.sheet("满意度排名");
  lxw_format* bold = b.header();
  lxw_format* pct = b.number_format("0.0%");
  lxw_format* num = b.number_format("0.0");
  ws.width(0, 0, 20);
  ws.width(1, 1, 8);
  ws.width(2, 2, 28);
  ws.width(3, 10, 12);
  ws.cell(0, 0, node_name + " 满意度排名（" + period_label + "）", bold);
  ws.cell(1, 0, "问卷：" + surveys);
  const char* head[] = {"类别", "排名", "单位", "样本量", "满意率", "置信下限(95%)", "置信上限(95%)", "均分(0-100)", "目标", "是否达标"};
  int64_t row = 3;
  int hidden = 0;
  for (auto& g : groups) {
    // Each kind its own block: a county bureau is never ranked against a single hospital.
    std::string title = fmt::format("{}（{} 个，组内排名）", g.name, g.entries.size());
    ws.cell(row++, 0, title, bold);
    for (int i = 0; i < 10; ++i) ws.cell(row, i, head[i], bold);
    ++row;
    for (auto& x : g.entries) {
      ws.cell(row, 0, g.name);
      if (x.ranked) ws.cell(row, 1, static_cast<double>(x.rank));
      else {
        ws.cell(row, 1, "—");
        ++hidden;
      }
      ws.cell(row, 2, x.name);
      ws.cell(row, 3, static_cast<double>(x.fig.n));
      if (x.fig.n) {
        ws.cell(row, 4, x.fig.rate, pct);
        ws.cell(row, 5, x.fig.ci.low, pct);
        ws.cell(row, 6, x.fig.ci.high, pct);
        ws.cell(row, 7, x.fig.mean_score, num);
      }
      ws.cell(row, 8, x.target, pct);
      ws.cell(row, 9, x.fig.n == 0 ? "无评价" : x.fig.rate >= x.target ? "达标" : "未达标");
      ++row;
    }
    ++row;
  }
  std::string note = fmt::format(
      "说明：同类单位组内按满意率 95% 置信区间下限排序；样本量不足 {} 的单位不参与排名（本表 {} 个）。", min_n, hidden);
  ws.cell(row, 0, note);
  return b.bytes();
}

namespace {

// Writes the comments into b; returns the number of rows written.
int64_t write_comments(reports::Workbook& b, FeedbackService& svc, CommentFilter f, const std::string& title,
                       int64_t max_rows) {
  auto ws = b.sheet("评价留言");
  lxw_format* bold = b.header();
  ws.width(0, 0, 17);
  ws.width(1, 2, 22);
  ws.width(3, 5, 11);
  ws.width(6, 6, 60);
  ws.width(7, 8, 14);
  ws.cell(0, 0, title, bold);
  const char* head[] = {"时间", "单位", "科室/评价点", "总体评价", "渠道", "状态", "留言", "电话", "评价编号"};
  for (int i = 0; i < 9; ++i) ws.cell(2, i, head[i], bold);
  int64_t row = 3;
  int64_t written = 0;
  // Pages are fetched on a second thread while this one writes (two cores: the query and the
  // XML/zlib work overlap). At most two pages wait in memory.
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::vector<CommentRow>> pages;
  bool done = false;
  std::exception_ptr error;
  std::thread fetcher([&] {
    try {
      CommentFilter q = f;
      q.cursor = 0;
      int64_t fetched = 0;
      while (fetched < max_rows) {
        q.limit = static_cast<int>(std::min<int64_t>(5000, max_rows - fetched));
        auto rows = svc.comments(q);
        fetched += static_cast<int64_t>(rows.size());
        bool last = static_cast<int>(rows.size()) < q.limit;
        if (!rows.empty()) q.cursor = rows.back().rating_id;
        std::unique_lock lk(mu);
        cv.wait(lk, [&] { return pages.size() < 2 || done; });
        if (done) return;  // the writer gave up
        if (!rows.empty()) pages.push_back(std::move(rows));
        cv.notify_all();
        if (last) break;
      }
    } catch (...) {
      std::lock_guard lk(mu);
      error = std::current_exception();
    }
    std::lock_guard lk(mu);
    done = true;
    cv.notify_all();
  });
  struct Join {
    std::thread& t;
    std::mutex& mu;
    std::condition_variable& cv;
    bool& done;
    ~Join() {
      {
        std::lock_guard lk(mu);
        done = true;
      }
      cv.notify_all();
      if (t.joinable()) t.join();
    }
  } join{fetcher, mu, cv, done};
  for (;;) {
    std::vector<CommentRow> rows;
    {
      std::unique_lock lk(mu);
      cv.wait(lk, [&] { return !pages.empty() || done; });
      if (pages.empty()) break;
      rows = std::move(pages.front());
      pages.pop_front();
      cv.notify_all();
    }
    for (auto& x : rows) {
      // Strings are written as text cells, never as formulas ("=…" stays text).
      ws.cell(row, 0, time_text(id_time_ms(x.rating_id)));
      ws.cell(row, 1, x.unit_name);
      ws.cell(row, 2, x.node_name);
      ws.cell(row, 3, level_label(x.overall));
      ws.cell(row, 4, channel_label(x.channel));
      ws.cell(row, 5, status_label(x.status));
      ws.cell(row, 6, x.comment);
      ws.cell(row, 7, x.phone_mask);
      ws.cell(row, 8, std::to_string(x.rating_id));
      ++row;
      ++written;
    }
  }
  {
    std::lock_guard lk(mu);
    if (error) std::rethrow_exception(error);
  }
  return written;
}

}  // namespace

int64_t write_comments_xlsx(FeedbackService& svc, CommentFilter f, const std::string& title, int64_t max_rows,
                            const std::string& path) {
  reports::Workbook b(path, {});
  int64_t written = write_comments(b, svc, std::move(f), title, max_rows);
  b.close();
  return written;
}

std::string comments_xlsx(FeedbackService& svc, CommentFilter f, const std::string& title, int64_t max_rows) {
  reports::Workbook b;
  write_comments(b, svc, std::move(f), title, max_rows);
  return b.bytes();
}

}  // namespace manyi::feedback
