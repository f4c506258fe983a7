"""The intent task: its record parsing and metrics (``task``) and bootstrap scorer (``batch``)."""

from harness.tasks.intent.batch import INVALID, OTHER
from harness.tasks.intent.task import IntentTask

__all__ = ["INVALID", "OTHER", "IntentTask"]
