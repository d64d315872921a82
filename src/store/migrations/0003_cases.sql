-- Cases (投诉、举报、建议、表扬、差评、热线、不良事件) and the working-day calendar.
-- One workflow table (cases) with an append-only history (case_events); per-type time limits
-- (case_sla) and the category taxonomy (case_categories) are data the bureau edits.

-- Working-day calendar: only the exceptions to "Monday–Friday are workdays". workday = 0 is a
-- holiday (day off), workday = 1 a make-up workday (调休上班). Seeded with the State Council's
-- 2025 and 2026 announcements; later years are imported (templates/calendar/) or edited.
CREATE TABLE calendar_days (
  day TEXT PRIMARY KEY,
  workday INTEGER NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL
);
INSERT INTO calendar_days(day, workday, name, updated_at) VALUES
  ('2025-01-01', 0, '元旦', 0),
  ('2025-01-26', 1, '调休上班', 0),
  ('2025-01-28', 0, '春节', 0),
  ('2025-01-29', 0, '春节', 0),
  ('2025-01-30', 0, '春节', 0),
  ('2025-01-31', 0, '春节', 0),
  ('2025-02-01', 0, '春节', 0),
  ('2025-02-02', 0, '春节', 0),
  ('2025-02-03', 0, '春节', 0),
  ('2025-02-04', 0, '春节', 0),
  ('2025-02-08', 1, '调休上班', 0),
  ('2025-04-04', 0, '清明节', 0),
  ('2025-04-05', 0, '清明节', 0),
  ('2025-04-06', 0, '清明节', 0),
  ('2025-04-27', 1, '调休上班', 0),
  ('2025-05-01', 0, '劳动节', 0),
  ('2025-05-02', 0, '劳动节', 0),
  ('2025-05-03', 0, '劳动节', 0),
  ('2025-05-04', 0, '劳动节', 0),
  ('2025-05-05', 0, '劳动节', 0),
  ('2025-05-31', 0, '端午节', 0),
  ('2025-06-01', 0, '端午节', 0),
  ('2025-06-02', 0, '端午节', 0),
  ('2025-09-28', 1, '调休上班', 0),
  ('2025-10-01', 0, '国庆节、中秋节', 0),
  ('2025-10-02', 0, '国庆节、中秋节', 0),
  ('2025-10-03', 0, '国庆节、中秋节', 0),
  ('2025-10-04', 0, '国庆节、中秋节', 0),
  ('2025-10-05', 0, '国庆节、中秋节', 0),
  ('2025-10-06', 0, '国庆节、中秋节', 0),
  ('2025-10-07', 0, '国庆节、中秋节', 0),
  ('2025-10-08', 0, '国庆节、中秋节', 0),
  ('2025-10-11', 1, '调休上班', 0),
  ('2026-01-01', 0, '元旦', 0),
  ('2026-01-02', 0, '元旦', 0),
  ('2026-01-03', 0, '元旦', 0),
  ('2026-01-04', 1, '调休上班', 0),
  ('2026-02-14', 1, '调休上班', 0),
  ('2026-02-15', 0, '春节', 0),
  ('2026-02-16', 0, '春节', 0),
  ('2026-02-17', 0, '春节', 0),
  ('2026-02-18', 0, '春节', 0),
  ('2026-02-19', 0, '春节', 0),
  ('2026-02-20', 0, '春节', 0),
  ('2026-02-21', 0, '春节', 0),
  ('2026-02-22', 0, '春节', 0),
  ('2026-02-23', 0, '春节', 0),
  ('2026-02-28', 1, '调休上班', 0),
  ('2026-04-04', 0, '清明节', 0),
  ('2026-04-05', 0, '清明节', 0),
  ('2026-04-06', 0, '清明节', 0),
  ('2026-05-01', 0, '劳动节', 0),
  ('2026-05-02', 0, '劳动节', 0),
  ('2026-05-03', 0, '劳动节', 0),
  ('2026-05-04', 0, '劳动节', 0),
  ('2026-05-05', 0, '劳动节', 0),
  ('2026-05-09', 1, '调休上班', 0),
  ('2026-06-19', 0, '端午节', 0),
  ('2026-06-20', 0, '端午节', 0),
  ('2026-06-21', 0, '端午节', 0),
  ('2026-09-20', 1, '调休上班', 0),
  ('2026-09-25', 0, '中秋节', 0),
  ('2026-09-26', 0, '中秋节', 0),
  ('2026-09-27', 0, '中秋节', 0),
  ('2026-10-01', 0, '国庆节', 0),
  ('2026-10-02', 0, '国庆节', 0),
  ('2026-10-03', 0, '国庆节', 0),
  ('2026-10-04', 0, '国庆节', 0),
  ('2026-10-05', 0, '国庆节', 0),
  ('2026-10-06', 0, '国庆节', 0),
  ('2026-10-07', 0, '国庆节', 0),
  ('2026-10-10', 1, '调休上班', 0);

-- Time limits per case type, in working days. warn_ratio: share of the limit after which the
-- case is flagged 临期预警; bureau_after_days: working days past the deadline before the
-- escalation reaches the supervising bureau (督办).
CREATE TABLE case_sla (
  type TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  reply_days INTEGER NOT NULL,
  multi_days INTEGER NOT NULL,
  warn_ratio DOUBLE PRECISION NOT NULL,
  bureau_after_days INTEGER NOT NULL,
  needs_callback INTEGER NOT NULL,
  updated_at BIGINT NOT NULL
);
INSERT INTO case_sla(type, name, reply_days, multi_days, warn_ratio, bureau_after_days, needs_callback, updated_at) VALUES
  ('complaint', '投诉', 5, 10, 0.6, 2, 1, 0),
  ('bad_review', '差评', 5, 10, 0.6, 2, 1, 0),
  ('report', '举报', 10, 15, 0.6, 2, 1, 0),
  ('hotline', '热线诉求', 5, 10, 0.6, 2, 1, 0),
  ('suggestion', '建议', 10, 15, 0.6, 3, 0, 0),
  ('consultation', '咨询', 2, 5, 0.5, 2, 0, 0),
  ('praise', '表扬', 10, 15, 0.6, 5, 0, 0),
  ('adverse_event', '不良事件', 5, 10, 0.6, 1, 0, 0);

-- Category taxonomy with keywords for the automatic suggestion. sensitive = 1 marks integrity
-- matters (红包, 回扣): such cases go to the institution's leadership, are visible only to roles
-- holding case.sensitive, and are hidden from the department concerned.
CREATE TABLE case_categories (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  name_en TEXT NOT NULL,
  keywords TEXT NOT NULL DEFAULT '',
  sensitive INTEGER NOT NULL DEFAULT 0,
  sort INTEGER NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 1,
  updated_at BIGINT NOT NULL
);
INSERT INTO case_categories(code, name, name_en, keywords, sensitive, sort, updated_at) VALUES
  ('attitude', '服务态度', 'Service attitude', '态度,冷漠,训斥,不耐烦,骂,凶,脸色,推诿,不理,敷衍,语气,呵斥,爱答不理', 0, 10, 0),
  ('quality', '医疗质量', 'Medical quality', '误诊,漏诊,医疗事故,手术,治疗,用药,感染,并发症,病情,延误,检查结果,开错,打错针', 0, 20, 0),
  ('charges', '收费', 'Charges', '收费,乱收费,多收,重复收费,价格,费用,退费,发票,医保,报销,结算', 0, 30, 0),
  ('waiting', '等候时间', 'Waiting time', '排队,等候,等待,等了,太久,挂号难,号源,预约,迟到,插队', 0, 40, 0),
  ('environment', '环境', 'Environment', '卫生,厕所,脏,乱,噪音,停车,环境,异味,空调,设施', 0, 50, 0),
  ('ethics', '医德医风', 'Medical ethics (integrity)', '红包,回扣,开单提成,提成,收受,吃请,索要,礼金,购物卡,贿赂,好处费', 1, 60, 0),
  ('process', '管理流程', 'Management and process', '流程,手续,规定,制度,指引,标识,出院,转诊,预约系统,信息系统', 0, 70, 0),
  ('other', '其他', 'Other', '', 0, 99, 0);

-- The case: one row, updated as it moves; its history is in case_events. owner_* is the node
-- responsible now (首问负责: the registering unit until a transfer is accepted); node_* the
-- node the case is about; transfer_to_* a pending transfer. Personal data is encrypted
-- (complainant_enc, secretbox) with masked copies for lists and a keyed hash of the phone
-- number to find duplicates. next_check_at is when the escalation scan must look next.
CREATE TABLE cases (
  id BIGINT PRIMARY KEY,
  tracking_code TEXT NOT NULL,
  type TEXT NOT NULL,
  channel TEXT NOT NULL,
  status TEXT NOT NULL,
  node_id BIGINT NOT NULL REFERENCES org_nodes(id),
  node_path TEXT {{COLLATE_C}} NOT NULL,
  unit_id BIGINT NOT NULL,
  owner_node_id BIGINT NOT NULL REFERENCES org_nodes(id),
  owner_path TEXT {{COLLATE_C}} NOT NULL,
  prev_owner_node_id BIGINT,
  transfer_to_node_id BIGINT,
  transfer_to_path TEXT {{COLLATE_C}},
  transfer_note TEXT NOT NULL DEFAULT '',
  assignee_id BIGINT,
  category TEXT NOT NULL,
  sensitive INTEGER NOT NULL DEFAULT 0,
  multi_dept INTEGER NOT NULL DEFAULT 0,
  content TEXT NOT NULL,
  complainant_enc {{BLOB}},
  complainant_mask TEXT NOT NULL DEFAULT '',
  phone_mask TEXT NOT NULL DEFAULT '',
  phone_hash TEXT NOT NULL DEFAULT '',
  source_rating_id BIGINT,
  registered_by BIGINT,
  received_at BIGINT NOT NULL,
  sla_days INTEGER NOT NULL,
  warn_at BIGINT NOT NULL,
  deadline_at BIGINT NOT NULL,
  supervise_at BIGINT NOT NULL,
  paused_at BIGINT,
  level INTEGER NOT NULL DEFAULT 0,
  next_check_at BIGINT,
  ext_days INTEGER,
  ext_reason TEXT NOT NULL DEFAULT '',
  ext_by BIGINT,
  extended_days INTEGER NOT NULL DEFAULT 0,
  reply TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL DEFAULT '',
  measures TEXT NOT NULL DEFAULT '',
  replied_at BIGINT,
  late INTEGER NOT NULL DEFAULT 0,
  callback_result TEXT NOT NULL DEFAULT '',
  callback_at BIGINT,
  reopen_count INTEGER NOT NULL DEFAULT 0,
  merged_into BIGINT,
  closed_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX cases_tracking ON cases(tracking_code);
CREATE INDEX cases_unit ON cases(unit_id, id);
CREATE INDEX cases_owner ON cases(owner_path, id);
CREATE INDEX cases_node ON cases(node_path, id);
CREATE INDEX cases_transfer ON cases(transfer_to_path, id);
CREATE INDEX cases_check ON cases(next_check_at);
CREATE INDEX cases_phone ON cases(phone_hash, id);
CREATE INDEX cases_rating ON cases(source_rating_id);

-- Staff found responsible in a substantiated case (feeds the ethics file 医德档案).
CREATE TABLE case_staff (
  staff_id BIGINT NOT NULL REFERENCES staff(id),
  case_id BIGINT NOT NULL REFERENCES cases(id),
  outcome TEXT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (staff_id, case_id)
);
CREATE INDEX case_staff_case ON case_staff(case_id);

-- Append-only history. public = 1 entries are shown to the complainant on the tracking page.
CREATE TABLE case_events (
  id BIGINT PRIMARY KEY,
  case_id BIGINT NOT NULL REFERENCES cases(id),
  at BIGINT NOT NULL,
  actor_id BIGINT,
  actor_name TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  status TEXT NOT NULL,
  node_id BIGINT,
  note TEXT NOT NULL DEFAULT '',
  public INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX case_events_case ON case_events(case_id, id);
