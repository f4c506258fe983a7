"""The ground floor: records, names, the registry, families, text safety, redaction,
value checks, optional-dependency facts. Imports nothing else of the harness."""
