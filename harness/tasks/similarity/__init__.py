"""The similarity task: record parsing and metrics (``task``), bootstrap scorer (``batch``)."""

from harness.tasks.similarity.task import SimilarityTask

__all__ = ["SimilarityTask"]
