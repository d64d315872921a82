#include "feedback/export.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/id.hpp"

namespace manyi::feedback {
namespace {

std::string temp_path() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "manyi-export-XXXXXX").string();
  int fd = mkstemp(tmpl.data());
  if (fd < 0) throw std::runtime_error("cannot create a temporary file for the export");
  close(fd);
  return tmpl;
}

std::string slurp_and_remove(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::filesystem::remove(path);
  return ss.str();
}

struct Book {
  lxw_workbook* wb = nullptr;
  explicit Book(const std::string& path) {
    lxw_workbook_options o{};
    o.constant_memory = LXW_TRUE;
    o.use_zip64 = LXW_TRUE;
    wb = workbook_new_opt(path.c_str(), &o);
    if (!wb) throw std::runtime_error("cannot create the workbook");
  }
  void close() {
    if (!wb) return;
    lxw_error e = workbook_close(wb);
    wb = nullptr;
    if (e != LXW_NO_ERROR) throw std::runtime_error(std::string("workbook: ") + lxw_strerror(e));
  }
  ~Book() {
    if (wb) workbook_close(wb);
  }
};

std::string time_text(int64_t ms) {
  int d = metrics::local_day(ms);
  int64_t in_day = ms - metrics::day_start_ms(d);
  return fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d}", d / 10000, d / 100 % 100, d % 100, in_day / 3600000,
                     in_day / 60000 % 60);
}

}  // namespace

std::string ranking_xlsx(const std::string& node_name, const std::string& period_label, const std::string& surveys,
                         const std::vector<metrics::RankGroup>& groups, int64_t min_n) {
  std::string path = temp_path();
  {
    Book b(path);
    lxw_worksheet* ws = workbook_add_worksheet(b.wb, "满意度排名");
    lxw_format* bold = workbook_add_format(b.wb);
    format_set_bold(bold);
    lxw_format* pct = workbook_add_format(b.wb);
    format_set_num_format(pct, "0.0%");
    lxw_format* num = workbook_add_format(b.wb);
    format_set_num_format(num, "0.0");
    worksheet_set_column(ws, 0, 0, 20, nullptr);
    worksheet_set_column(ws, 1, 1, 8, nullptr);
    worksheet_set_column(ws, 2, 2, 28, nullptr);
    worksheet_set_column(ws, 3, 10, 12, nullptr);
    worksheet_write_string(ws, 0, 0, (node_name + " 满意度排名（" + period_label + "）").c_str(), bold);
    worksheet_write_string(ws, 1, 0, ("问卷：" + surveys).c_str(), nullptr);
    const char* head[] = {"类别", "排名", "单位", "样本量", "满意率", "置信下限(95%)", "置信上限(95%)", "均分(0-100)", "目标", "是否达标"};
    lxw_row_t row = 3;
    int hidden = 0;
    for (auto& g : groups) {
      // Each kind its own block: a county bureau is never ranked against a single hospital.
      std::string title = fmt::format("{}（{} 个，组内排名）", g.name, g.entries.size());
      worksheet_write_string(ws, row++, 0, title.c_str(), bold);
      for (int i = 0; i < 10; ++i) worksheet_write_string(ws, row, static_cast<lxw_col_t>(i), head[i], bold);
      ++row;
      for (auto& x : g.entries) {
        worksheet_write_string(ws, row, 0, g.name.c_str(), nullptr);
        if (x.ranked) worksheet_write_number(ws, row, 1, x.rank, nullptr);
        else {
          worksheet_write_string(ws, row, 1, "—", nullptr);
          ++hidden;
        }
        worksheet_write_string(ws, row, 2, x.name.c_str(), nullptr);
        worksheet_write_number(ws, row, 3, static_cast<double>(x.fig.n), nullptr);
        if (x.fig.n) {
          worksheet_write_number(ws, row, 4, x.fig.rate, pct);
          worksheet_write_number(ws, row, 5, x.fig.ci.low, pct);
          worksheet_write_number(ws, row, 6, x.fig.ci.high, pct);
          worksheet_write_number(ws, row, 7, x.fig.mean_score, num);
        }
        worksheet_write_number(ws, row, 8, x.target, pct);
        worksheet_write_string(ws, row, 9, x.fig.n == 0 ? "无评价" : x.fig.rate >= x.target ? "达标" : "未达标", nullptr);
        ++row;
      }
      ++row;
    }
    std::string note = fmt::format(
        "说明：同类单位组内按满意率 95% 置信区间下限排序；样本量不足 {} 的单位不参与排名（本表 {} 个）。", min_n, hidden);
    worksheet_write_string(ws, row, 0, note.c_str(), nullptr);
    b.close();
  }
  return slurp_and_remove(path);
}

int64_t write_comments_xlsx(FeedbackService& svc, CommentFilter f, const std::string& title, int64_t max_rows,
                            const std::string& path) {
  Book b(path);
  lxw_worksheet* ws = workbook_add_worksheet(b.wb, "评价留言");
  lxw_format* bold = workbook_add_format(b.wb);
  format_set_bold(bold);
  worksheet_set_column(ws, 0, 0, 17, nullptr);
  worksheet_set_column(ws, 1, 2, 22, nullptr);
  worksheet_set_column(ws, 3, 5, 11, nullptr);
  worksheet_set_column(ws, 6, 6, 60, nullptr);
  worksheet_set_column(ws, 7, 8, 14, nullptr);
  worksheet_write_string(ws, 0, 0, title.c_str(), bold);
  const char* head[] = {"时间", "单位", "科室/评价点", "总体评价", "渠道", "状态", "留言", "电话", "评价编号"};
  for (int i = 0; i < 9; ++i) worksheet_write_string(ws, 2, static_cast<lxw_col_t>(i), head[i], bold);
  lxw_row_t row = 3;
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
      worksheet_write_string(ws, row, 0, time_text(id_time_ms(x.rating_id)).c_str(), nullptr);
      worksheet_write_string(ws, row, 1, x.unit_name.c_str(), nullptr);
      worksheet_write_string(ws, row, 2, x.node_name.c_str(), nullptr);
      worksheet_write_string(ws, row, 3, level_label(x.overall).c_str(), nullptr);
      worksheet_write_string(ws, row, 4, channel_label(x.channel).c_str(), nullptr);
      worksheet_write_string(ws, row, 5, status_label(x.status).c_str(), nullptr);
      worksheet_write_string(ws, row, 6, x.comment.c_str(), nullptr);
      worksheet_write_string(ws, row, 7, x.phone_mask.c_str(), nullptr);
      worksheet_write_string(ws, row, 8, std::to_string(x.rating_id).c_str(), nullptr);
      ++row;
      ++written;
    }
  }
  {
    std::lock_guard lk(mu);
    if (error) std::rethrow_exception(error);
  }
  b.close();
  return written;
}

std::string comments_xlsx(FeedbackService& svc, CommentFilter f, const std::string& title, int64_t max_rows) {
  std::string path = temp_path();
  try {
    write_comments_xlsx(svc, std::move(f), title, max_rows, path);
  } catch (...) {
    std::filesystem::remove(path);
    throw;
  }
  return slurp_and_remove(path);
}

}  // namespace manyi::feedback
