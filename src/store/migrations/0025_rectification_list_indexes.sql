-- The 逾期 tab of the ledger for a wide scope (the city, a county, a hospital with its
-- departments): the open items by deadline, so the overdue ones are one range of this index
-- (deadline_at < now), read with their unit, status and id from the index alone, filtered by subtree and sorted by id for the
-- page — work in proportion to the overdue items, not to the ledger. With rectifications_open
-- (by unit first) or a walk of the id order, the city's first 逾期 page at 1 M items (40,000
-- overdue, the oldest open ones) took ~0.55 s on SQLite; with this index ~10 ms
-- (bench/rectify_bench.cpp, bench/README.md). The WHERE is written as RectifyService's kOpenSql.
CREATE INDEX rectifications_overdue ON rectifications(deadline_at, unit_path, status, id)
  WHERE (status = 'pending' OR status = 'rectifying' OR status = 'submitted');

-- An export of a period (GET /api/v1/rectifications/export.xlsx?from=&to=): the period's first
-- and last ids, between which RectifyService::each walks the id order — without it the walk went
-- on to the end of the ledger after the period's last item.
CREATE INDEX rectifications_created ON rectifications(created_at, id);
