"""Renderers of a built report: terminal, summary, Markdown, HTML, JUnit, plots."""
