"""值班长 (supervisor) views: hall KPIs, charts, exports and the bad-review follow-up list."""
