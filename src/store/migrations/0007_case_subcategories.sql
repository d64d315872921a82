-- Sub-categories (one level below the top categories) and the taxonomy of the issue:
-- 医疗安全 becomes its own top category and 环境 is called 环境卫生. A sub-category of an
-- integrity (sensitive) category is sensitive too (enforced by the service on every save).
ALTER TABLE case_categories ADD COLUMN parent TEXT NOT NULL DEFAULT '';
-- "Needs rectification" (需整改), set when the case is answered; the rectification ledger
-- (整改台账) takes these cases through CaseService's rectification hook.
ALTER TABLE cases ADD COLUMN needs_rectification INTEGER NOT NULL DEFAULT 0;
UPDATE case_categories SET name = '环境卫生', name_en = 'Environment and hygiene' WHERE code = 'environment' AND name = '环境';
UPDATE case_categories SET keywords = '误诊,漏诊,治疗,用药,病情,延误,检查结果,并发症,疗效,手术效果' WHERE code = 'quality' AND updated_at = 0;
INSERT INTO case_categories(code, name, name_en, keywords, sensitive, sort, updated_at, parent) VALUES
  ('safety', '医疗安全', 'Patient safety', '医疗事故,安全,跌倒,坠床,感染,打错针,开错,用错药,输错,过敏,烫伤,身份核对', 0, 25, 0, ''),
  ('attitude_rude', '语言粗暴', 'Rude language', '骂,训斥,呵斥,凶,吼,态度恶劣,语气', 0, 11, 0, 'attitude'),
  ('attitude_shirk', '推诿敷衍', 'Shirking', '推诿,敷衍,踢皮球,不理,爱答不理,不管', 0, 12, 0, 'attitude'),
  ('quality_diagnosis', '诊断问题', 'Diagnosis', '误诊,漏诊,诊断错误,检查结果', 0, 21, 0, 'quality'),
  ('quality_treatment', '治疗效果', 'Treatment outcome', '疗效,治疗效果,手术效果,并发症,没治好', 0, 22, 0, 'quality'),
  ('safety_medication', '用药安全', 'Medication safety', '用错药,开错,打错针,输错,过敏', 0, 26, 0, 'safety'),
  ('safety_fall', '跌倒坠床', 'Falls', '跌倒,坠床,摔倒,滑倒', 0, 27, 0, 'safety'),
  ('charges_over', '多收乱收', 'Overcharging', '乱收费,多收,重复收费,收费不合理', 0, 31, 0, 'charges'),
  ('charges_refund', '退费结算', 'Refunds and settlement', '退费,结算,报销,医保,发票', 0, 32, 0, 'charges'),
  ('waiting_queue', '排队候诊', 'Queues', '排队,候诊,等了,太久,插队', 0, 41, 0, 'waiting'),
  ('waiting_booking', '挂号预约', 'Registration and booking', '挂号难,号源,预约,抢号', 0, 42, 0, 'waiting'),
  ('ethics_gift', '收受红包', 'Red envelopes and gifts', '红包,礼金,购物卡,收受,吃请', 1, 61, 0, 'ethics'),
  ('ethics_kickback', '回扣提成', 'Kickbacks and commissions', '回扣,开单提成,提成,好处费,贿赂', 1, 62, 0, 'ethics'),
  ('ethics_demand', '索要财物', 'Demanding money or goods', '索要,索取,暗示送礼', 1, 63, 0, 'ethics');
