"""What a task implements and may use: the Task base, chat I/O, record fields, task
folders, per-example statistics, prompt templates and answer parsing."""
