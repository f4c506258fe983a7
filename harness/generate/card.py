"""The dataset card of a generated set, and publishing it to the Hub."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.core.spec import DatasetSpec
from harness.core.textsafe import scrub
from harness.data.hub import push_files
from harness.generate import output_path
from harness.generate.writer import GenerateError, provenance_path, read_provenance


def dataset_card(prov: dict[str, Any], data_file: str) -> str:
    """A Hub dataset card (YAML header + Markdown) holding the run's full provenance."""
    c = prov.get("counts", {})
    b = prov.get("backend", {})
    p = prov.get("parameters", {})
    rejections = ", ".join(f"{k}: {v}" for k, v in c.get("rejections", {}).items()) or "none"
    return f"""---
tags:
- synthetic
- synthbench
- {prov.get('task', '')}
configs:
- config_name: default
  data_files: {data_file}
---
# {prov.get('dataset')} imitated by {prov.get('generator')}

A synthetic copy of the **{prov.get('dataset')}** {prov.get('task')} test set, written by
`{b.get('model')}` ({b.get('name')}) with pytest-synthbench's `synthbench generate`,
{p.get('shots')} real example(s) from the {p.get('examples_split')} split shown per request,
seed {p.get('seed')}. Use it to check whether it ranks models as the real test set does.

| | |
| --- | --- |
| records | {c.get('records')} |
| requests | {c.get('requests')} (retries {c.get('retries')}, failed {c.get('failures')}) |
| repaired | {c.get('repairs')} |
| rejected | {rejections} |
| abandoned plans | {c.get('abandoned')} |
| complete | {prov.get('complete')} |

Each record has the task's fields plus `_gen` (plan index and attempt).

## Provenance

```json
{json.dumps(prov, indent=1, ensure_ascii=False)}
```
"""


def push_generated(
    data_dir: Path, spec: DatasetSpec, generator: str, repo_id: str, *,
    out: Path | None = None, endpoint: str | None = None, private: bool = False,
    token: str | None = None,
) -> dict[str, Any]:
    """Publish ``<dataset>/<generator>.jsonl``, its provenance and a card in one commit."""
    path = Path(out) if out is not None else output_path(data_dir, spec, generator)
    prov = read_provenance(path)
    if prov is None:
        raise GenerateError(f"{path}: no provenance sidecar; generate the set first")
    data_file = f"{spec.name}/{generator}.jsonl"
    files = {
        data_file: path.read_bytes(),
        f"{spec.name}/{generator}.provenance.json": provenance_path(path).read_bytes(),
        "README.md": scrub(dataset_card(prov, data_file))[0].encode("utf-8"),
    }
    return push_files(repo_id, files, message=f"synthbench: {spec.name} by {generator}",
                      endpoint=endpoint, token=token, private=private)
