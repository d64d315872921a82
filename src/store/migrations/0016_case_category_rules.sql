-- Category suggestion rules written from how patients word their complaints (issue 10, item 11):
-- 44% of the demo's cases fell under 其他 and "检查结果等太久了" was classed 诊断问题.
--  * Words that name no problem are gone: 治疗, 病情, 手术, 检查结果 (every complaint mentions
--    them), 卫生 (matches 卫生院, 卫生健康局), 乱 (matches 乱收费), 出院 (any stay ends so).
--  * Each category gets the phrases patients use for it; waiting for a report or a test result
--    (等报告, 结果迟迟不出) is its own sub-category of 等候时间, 报告等候.
--  * New: 隐私保护 (privacy), a top category, and 药品供应 (drug supply) under 管理流程.
-- Only rules an administrator never edited (updated_at = 0) are replaced; the suggestion weighs
-- each matched word by its length, so a specific phrase outweighs a one-character word.
UPDATE case_categories SET keywords = '态度,冷漠,冷淡,冷冰冰,不耐烦,没耐心,不耐心,没有耐心,脸色,板着脸,翻白眼,爱理不理,爱答不理,不理人,不搭理,不理会,没好气,傲慢,高高在上,阴阳怪气,嫌我,嫌病人,嫌弃,玩手机,聊天,服务意识,粗鲁,不认真,不听,沟通' WHERE code = 'attitude' AND updated_at = 0;
UPDATE case_categories SET keywords = '骂,训斥,呵斥,凶,吼,态度恶劣,语气,辱骂,脏话,出言不逊,大吼大叫,发火,滚,数落,吵架,吵起来,难听,恐吓,威胁' WHERE code = 'attitude_rude' AND updated_at = 0;
UPDATE case_categories SET keywords = '推诿,敷衍,踢皮球,不理,不管,推来推去,互相推,推给,不归,没下文,没有下文,拖着,不肯' WHERE code = 'attitude_shirk' AND updated_at = 0;
UPDATE case_categories SET keywords = '误诊,漏诊,延误,耽误,水平太差,水平差,技术不行,技术差,医术,不负责,草率,不专业,不仔细,没仔细,没看好,看不好,治不好,治疗方案,不必要的检查,不必要' WHERE code = 'quality' AND updated_at = 0;
UPDATE case_categories SET keywords = '误诊,漏诊,诊断错误,错误的诊断,诊断,看错,查出,不准' WHERE code = 'quality_diagnosis' AND updated_at = 0;
UPDATE case_categories SET keywords = '疗效,治疗效果,手术效果,并发症,没治好,没好转,没有好转,没有改善,没改善,没效果,没有效果,效果不好,效果差,复发,效果,好转' WHERE code = 'quality_treatment' AND updated_at = 0;
UPDATE case_categories SET keywords = '医疗事故,安全隐患,不安全,跌倒,坠床,感染,打错针,开错,用错药,输错,过敏,烫伤,身份,核对,抱错,消毒,走失,脱落,被打,打伤,安保,大出血,床挡' WHERE code = 'safety' AND updated_at = 0;
UPDATE case_categories SET keywords = '用错药,开错,打错针,输错,发错药,配错,错药,过敏,剂量,过期' WHERE code = 'safety_medication' AND updated_at = 0;
UPDATE case_categories SET keywords = '跌倒,坠床,摔倒,滑倒,摔了,摔下,防滑' WHERE code = 'safety_fall' AND updated_at = 0;
UPDATE case_categories SET keywords = '收费,价格,费用,药费,检查费,挂号费,床位费,材料费,护理费,手术费,贵,自费,收钱,明细,清单,花了,负担' WHERE code = 'charges' AND updated_at = 0;
UPDATE case_categories SET keywords = '乱收费,乱收,多收,重复收费,收费不合理,不合理收费,超标准,收了钱' WHERE code = 'charges_over' AND updated_at = 0;
UPDATE case_categories SET keywords = '退费,退款,退钱,退回,退号,结算,报销,医保,新农合,发票,押金,到账,扣款,医保卡' WHERE code = 'charges_refund' AND updated_at = 0;
UPDATE case_categories SET keywords = '排队,等候,等待,等了,太久,很久,好久,太慢,很慢,迟迟,干等,半天,个小时,个多小时,个钟头,挂号难,号源,预约,迟到,插队,拖了,等到,效率' WHERE code = 'waiting' AND updated_at = 0;
UPDATE case_categories SET keywords = '排队,候诊,等了,太久,插队,叫号,排长队,队伍,轮到,干等,开诊' WHERE code = 'waiting_queue' AND updated_at = 0;
UPDATE case_categories SET keywords = '挂号难,挂号太难,号源,预约,抢号,抢不到,挂不上,挂不到,约不到,放号,没有号,没号,专家号,停诊,床位,排号' WHERE code = 'waiting_booking' AND updated_at = 0;
UPDATE case_categories SET keywords = '卫生间,厕所,不卫生,卫生差,脏,脏乱,杂物,打扫,清理,垃圾,臭,异味,蟑螂,污渍,噪音,吵,隔音,停车,车位,环境,空调,暖气,太冷,特别冷,很冷,太热,闷,空气,热水,电梯,座位,抽烟,指示牌,食堂,饭菜,无障碍,设施,坏了' WHERE code = 'environment' AND updated_at = 0;
UPDATE case_categories SET keywords = '红包,回扣,开单提成,提成,收受,吃请,索要,索取,礼金,购物卡,贿赂,好处费,好处,利益,送礼,药品代表' WHERE code = 'ethics' AND updated_at = 0;
UPDATE case_categories SET keywords = '红包,礼金,购物卡,礼品卡,礼品,收受,吃请,烟酒' WHERE code = 'ethics_gift' AND updated_at = 0;
UPDATE case_categories SET keywords = '回扣,开单提成,提成,好处费,贿赂,厂家,药品代表,利益关系' WHERE code = 'ethics_kickback' AND updated_at = 0;
UPDATE case_categories SET keywords = '索要,索取,暗示送礼,暗示,要钱' WHERE code = 'ethics_demand' AND updated_at = 0;
UPDATE case_categories SET keywords = '流程,手续,规定,制度,指引,标识,转诊,繁琐,麻烦,跑来跑去,来回跑,跑了,证明,病历,复印,打印,盖章,签字,信息系统,系统不通,故障,自助机,探视,陪护证,不方便,诊断证明' WHERE code = 'process' AND updated_at = 0;
INSERT INTO case_categories(code, name, name_en, keywords, sensitive, sort, updated_at, parent) VALUES
  ('waiting_report', '报告等候', 'Waiting for reports and results', '等报告,出报告,报告还没,报告没,报告一直,报告要等,拿报告,取报告,报告出,结果出,出结果,等结果,结果等,结果还没,结果迟迟,结果要等,没出来,出不来,还没出', 0, 43, 0, 'waiting'),
  ('privacy', '隐私保护', 'Privacy', '隐私,泄露,个人信息,病历信息,门没关,没关门,拉帘子,遮挡,听见,都听到,大声念,大声问,推销,给别人看', 0, 55, 0, ''),
  ('process_drugs', '药品供应', 'Drug supply', '缺药,断货,缺货,没货,停产,到货,没进,集采,没有这个药,拿不到药,药拿不到,自己去药店,去外面买', 0, 71, 0, 'process')
ON CONFLICT (code) DO NOTHING;

