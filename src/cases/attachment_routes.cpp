// HTTP mapping for case attachments (附件): the complainant's upload right after filing on
// the public form, staff uploads on a case, the list and the download. The request body is the
// file's raw bytes (no multipart); the file name travels in ?name=. Who may see and add files
// is decided by CaseService exactly as for the case itself and its notes.
#include "app/app.hpp"
#include "app/respond.hpp"
#include "app/who.hpp"
#include "cases/attachments.hpp"
#include "cases/service.hpp"
#include "cases/track_lock_http.hpp"
#include "core/error.hpp"

namespace manyi {
namespace {

json attachment_json(const cases::Attachment& a) {
  return {{"id", id_str(a.id)},
          {"name", a.name},
          {"size", a.size},
          {"content_type", a.content_type},
          {"source", a.source},
          {"uploader", a.uploader},
          {"uploaded_by", id_json(a.uploaded_by)},
          {"event_id", id_json(a.event_id)},
          {"sha256", a.sha256},
          {"created_at", a.created_at}};
}

// ?name= as sent; the service sanitises it. Absurdly long names are refused rather than cut.
std::string name_query(const http::Request& req) {
  auto name = req.q("name").value_or("");
  if (name.size() > 2000) throw invalid("name", "the file name is too long");
  return name;
}

}  // namespace

void register_case_attachment_routes(App& app) {
  auto& r = *app.router;
  auto& svc = *app.cases;

  // The public: one request per file, right after the case was filed (web/h5/complaint.html).
  auto& upload = r.add("POST", "/api/v1/public/cases/{code}/attachments", "public", [&](http::Ctx& c) {
     return cases::unless_track_locked([&] {
       auto a = svc.public_attach(c.param("code"), c.req.q("phone_last4").value_or(""), name_query(c.req), c.req.body,
                                  c.req.remote_ip);
       return json_response(
           {{"id", id_str(a.id)}, {"name", a.name}, {"size", a.size}, {"content_type", a.content_type}}, 201);
     });
   });
  upload.max_body = cases::kMaxAttachmentBytes;
  upload.body = http::BodyType::file;  // the file's bytes with its own Content-Type

  // Staff: who may add notes may add files ("case.read" is the coarse gate, as for notes).
  r.add("POST", "/api/v1/cases/{id}/attachments", "case.read", [&](http::Ctx& c) {
     auto a = svc.attach(who_of(c), c.id_param("id"), name_query(c.req), c.req.body);
     return json_response(attachment_json(a), 201);
   }).max_body = cases::kMaxAttachmentBytes;

  r.add("GET", "/api/v1/cases/{id}/attachments", "case.read", [&](http::Ctx& c) {
    auto who = who_of(c);
    auto k = svc.get(who, c.id_param("id"));  // 404 unless the caller may read the case
    json items = json::array();
    auto all = workflow::list_attachments(*app.db, cases::kAttachmentOwner, k.id);
    for (auto& a : all) items.push_back(attachment_json(a));
    return json_response({{"items", items},
                          {"can_upload", svc.may_annotate(who, k) &&
                                             static_cast<int>(all.size()) < cases::kMaxCaseAttachments},
                          {"max_files", cases::kMaxCaseAttachments},
                          {"max_bytes", cases::kMaxAttachmentBytes}});
  });

  r.add("GET", "/api/v1/cases/{id}/attachments/{aid}", "case.read", [&](http::Ctx& c) {
    auto k = svc.get(who_of(c), c.id_param("id"));
    auto a = workflow::load_attachment(*app.db, cases::kAttachmentOwner, k.id, c.id_param("aid"));
    if (!a) throw not_found("attachment");
    return attachment_response(std::move(*a));
  });
}

}  // namespace manyi
