// Migration 0018 moves the case files of case_attachments into the workflow engine's
// attachments table: every file keeps its id, bytes, digest and timeline entry, and the name
// the history showed for its uploader; the old table is gone.
#include <gtest/gtest.h>

#include "store/db.hpp"
#include "support/testing.hpp"
#include "workflow/attachments.hpp"

namespace {
using namespace manyi;
using manyi::testing::TempDb;

class AttachmentsUpgrade : public ::testing::TestWithParam<std::string> {};

TEST_P(AttachmentsUpgrade, CaseFilesMoveUnchanged) {
  TempDb tmp(GetParam());
  auto db = store::open(tmp.url());
  db->migrate_to(17);
  std::string jpeg = std::string("\xFF\xD8\xFF\xE0", 4) + std::string("\0\x01\x02 photo", 9);
  std::string pdf = "%PDF-1.4 receipt";
  db->write([&](store::Tx& tx) {
    tx.exec("INSERT INTO org_nodes(id, kind, code, name, path, depth, created_at, updated_at) "
            "VALUES (1, 'institution', 'H1', '市第一人民医院', '/1/', 0, 0, 0)");
    tx.exec("INSERT INTO cases(id, tracking_code, type, channel, status, node_id, node_path, unit_id, owner_node_id, "
            "owner_path, category, content, received_at, sla_days, warn_at, deadline_at, supervise_at, created_at, "
            "updated_at) VALUES (7, 'ABCDEFGH23', 'complaint', 'web', 'pending', 1, '/1/', 1, 1, '/1/', 'attitude', "
            "'候诊两小时无人理会', 1, 5, 2, 3, 4, 1, 1)");
    tx.exec("INSERT INTO case_events(id, case_id, at, actor_name, action, status, public) "
            "VALUES (70, 7, 5, '群众', 'attach', 'pending', 1), (71, 7, 6, '王主任', 'attach', 'pending', 0)");
    tx.exec("INSERT INTO case_attachments(id, case_id, event_id, uploaded_by, source, name, content_type, size, "
            "sha256, data, created_at) VALUES (700, 7, 70, NULL, 'public', '照片.jpg', 'image/jpeg', ?, 'aa', ?, 5), "
            "(701, 7, 71, 42, 'staff', '收据.pdf', 'application/pdf', ?, 'bb', ?, 6)",
            {static_cast<int64_t>(jpeg.size()), store::Blob{jpeg}, static_cast<int64_t>(pdf.size()), store::Blob{pdf}});
  });
  EXPECT_GE(db->migrate(), 1);

  auto files = workflow::list_attachments(*db, "case", 7);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].id, 700);
  EXPECT_EQ(files[0].uploader, "群众");
  EXPECT_EQ(files[0].source, "public");
  EXPECT_EQ(files[0].uploaded_by, 0);
  EXPECT_EQ(files[0].event_id, 70);
  EXPECT_EQ(files[1].uploader, "王主任");
  EXPECT_EQ(files[1].uploaded_by, 42);
  EXPECT_EQ(files[1].name, "收据.pdf");
  EXPECT_EQ(files[1].sha256, "bb");
  auto photo = workflow::load_attachment(*db, "case", 7, 700);
  ASSERT_TRUE(photo);
  EXPECT_EQ(photo->data, jpeg);  // every byte, NULs included
  EXPECT_EQ(photo->content_type, "image/jpeg");
  EXPECT_FALSE(workflow::load_attachment(*db, "form_response", 7, 700)) << "another owner kind never sees it";
  EXPECT_THROW(db->query("SELECT COUNT(*) FROM case_attachments"), std::exception);
}

INSTANTIATE_TEST_SUITE_P(Db, AttachmentsUpgrade, ::testing::ValuesIn(manyi::testing::backends()),
                         manyi::testing::backend_name);
}  // namespace
