"""Running a suite: the suite file, the case runner, fingerprints, expected costs, shards."""
