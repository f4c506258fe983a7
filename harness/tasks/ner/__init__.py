"""The NER task: its record parsing and metrics (``task``) and bootstrap scorer (``batch``)."""

from harness.tasks.ner.task import NerTask, offset_problem, spans_of

__all__ = ["NerTask", "offset_problem", "spans_of"]
