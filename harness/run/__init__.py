"""Running a suite: the suite file, the case runner, expected costs, shards."""
