"""Every statistic of a report: the figure engine, agreement, resampling and intervals,
references, robustness, bias and families, items, planning, baselines."""
