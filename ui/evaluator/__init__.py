"""评价器 mode: the applicant's screen for 好差评, on the counter's second monitor or a hall pad."""
