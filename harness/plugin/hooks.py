"""pytest hooks of pytest-synthbench: options, markers, parametrization, collection.

Hook implementations only; the run's state lives in ``harness.plugin.session``, the work of
a case in ``harness.run.runner``, the figures in ``harness.analysis.agreement`` and the rendering in
``harness.report``. The plugin is loaded in every pytest session where the package is
installed, so it stays dormant (no suite read, nothing written) unless a test asks
for the ``synth_case`` fixture.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest

from harness.core.records import CaseKey, CaseResult
from harness.plugin.gatereports import (
    RUN_NODE,
    empty_run,
    gate_exit_lines,
    gate_reports,
    log_reports,
    synthetic_report,
)
from harness.plugin.options import add_options
from harness.plugin.options import setting as _setting
from harness.plugin.session import PROPERTY, REUSED, SynthSession, param_id, reused_from
from harness.run.runner import RunSettings
from harness.run.suite import ConfigError, Suite, load_suite

SESSION_KEY = pytest.StashKey[SynthSession]()
SERVERS_KEY = pytest.StashKey[Any]()  # the managed-servers run this controller opened
SUITE_KEY = pytest.StashKey[Suite]()
#: Whether the missing-package lines were printed (xdist reports each worker's collection).
ANNOUNCED_KEY = pytest.StashKey[bool]()
GROUPED_KEY = pytest.StashKey[bool]()
SETTINGS_KEY = pytest.StashKey["RunSettings"]()
SUITE_FAILED_KEY = pytest.StashKey[str]()  # the suite's error, when it could not be read
FIXTURE = "synth_case"
#: The run's id, made by the controller and inherited by xdist workers.
ENV_RUN = "SYNTHBENCH_RUN_ID"

def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def _suite(config: pytest.Config) -> Suite:
    if SUITE_KEY not in config.stash:
        from harness.run.runner import check_case_ids

        path = _setting(config, "--synth-suite")
        try:
            suite = load_suite(path)
            check_case_ids(suite)
            config.stash[SUITE_KEY] = suite
        except ConfigError as exc:
            config.stash[SUITE_FAILED_KEY] = str(exc)
            raise pytest.UsageError(str(exc)) from None
    return config.stash[SUITE_KEY]


def _run_settings(config: pytest.Config) -> RunSettings:
    if SETTINGS_KEY not in config.stash:
        config.stash[SETTINGS_KEY] = _resolve_settings(config)
    return config.stash[SETTINGS_KEY]


def _resolve_settings(config: pytest.Config) -> RunSettings:
    from harness.data import resolve_data_dir

    suite = _suite(config)
    opt = config.getoption("synth_data_dir")
    ini = config.getini("synth_data_dir")
    data_dir = resolve_data_dir(
        opt, str((config.rootpath / ini).resolve()) if ini else None, os.environ
    )
    max_examples = _setting(config, "--synth-max-examples")
    seed = _setting(config, "--synth-seed")
    return RunSettings(
        data_dir=data_dir.resolve() if data_dir is not None else None,
        results_dir=_setting(config, "--synth-report-dir"),
        max_examples=suite.max_examples if max_examples is None else max_examples,
        seed=suite.seed if seed is None else seed,
        generate=_generate_mode(config),
        run_id=os.environ.get(ENV_RUN, ""),
        fresh=bool(_setting(config, "--synth-fresh")),
    )


def _generate_mode(config: pytest.Config) -> str:
    from harness.generate.ondemand import MODES

    mode = str(_setting(config, "--synth-generate") or "missing")
    if mode not in MODES:
        raise pytest.UsageError(
            f"--synth-generate: expected one of {', '.join(MODES)}, got {mode!r}"
        )
    return mode


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _marker(dimension: str, value: str) -> str:
    from harness.core.values import marker  # one rule: the suite refuses names sharing a marker

    return marker(dimension, value)


def _markers(key: CaseKey) -> list[str]:
    return [_marker(d, v) for d, v in key.to_dict().items()]


def _session(config: pytest.Config) -> SynthSession | None:
    return config.stash.get(SESSION_KEY, None)


def _ensure_session(config: pytest.Config) -> SynthSession:
    if SESSION_KEY not in config.stash:
        settings = _run_settings(config)
        session = SynthSession(
            _suite(config),
            settings.results_dir,
            settings={
                "data_dir": str(settings.data_dir) if settings.data_dir else None,
                "max_examples": settings.max_examples,
                "seed": settings.seed,
            },
            run_settings=settings,
        )
        if not _is_worker(config):
            from harness.report.write import step_summary_from_env
            from harness.store.files import StoreError, check_store

            try:
                check_store(settings.results_dir)
            except StoreError as exc:
                raise pytest.UsageError(str(exc)) from None
            session.post = _report_settings(config)
            _export_formats(config)  # a typo stops the run before it starts
            session.save_baseline = _baseline_file(config, "--synth-save-baseline")
            session.step_summary = step_summary_from_env()
        config.stash[SESSION_KEY] = session
    return config.stash[SESSION_KEY]


def _baseline_file(config: pytest.Config, opt: str) -> Path | None:
    from harness.analysis.baseline import BaselineError, baseline_path

    name = _setting(config, opt) or ""
    try:
        return baseline_path(_setting(config, "--synth-baseline-dir"), name) if name else None
    except BaselineError as exc:
        raise pytest.UsageError(f"{opt}: {exc}") from None


def _report_settings(config: pytest.Config) -> Any:
    """Intervals, gates, baseline and report files, from options and ini; bad input stops."""
    from harness.gates import GateError
    from harness.report.finish import ReportSettings
    from harness.report.write import format_names

    suite = _suite(config)
    raw_formats = str(_setting(config, "--synth-formats") or "").split(",")
    formats = tuple(f.strip() for f in raw_formats if f.strip())
    known = [*format_names(), "none"]  # registered formats (synthbench.formats), none
    unknown = [f for f in formats if f not in known]
    if unknown:
        raise pytest.UsageError(
            f"--synth-formats: unknown {', '.join(unknown)}; known: {', '.join(known)}"
        )
    compare = _baseline_file(config, "--synth-compare")
    junit = _setting(config, "--synth-junit-xml")
    try:
        settings = ReportSettings(
            resamples=int(_setting(config, "--synth-bootstrap") or 0),
            level=float(_setting(config, "--synth-ci-level") or 0.95),
            seed=_run_settings(config).seed,
            gates=tuple(suite.raw.get("gates") or ()),
            gates_from=suite.path,
            gate_options=tuple(_setting(config, "--synth-gate") or ()),
            compare=str(compare) if compare else "",
            formats=tuple(f for f in formats if f != "none"),
            junit_xml=str(junit) if junit else "",
        )
        settings.parsed_gates()
        settings.bootstrap()
    except (GateError, ValueError) as exc:
        raise pytest.UsageError(str(exc)) from None
    return settings


EXPORT_KEY = pytest.StashKey[list[str]]()


def _export_formats(config: pytest.Config) -> tuple[str, ...]:
    """``--synth-export``'s formats, checked; () when not asked for."""
    wanted = _setting(config, "--synth-export")
    if not wanted:
        return ()
    from harness.interop.cells import ExportError
    from harness.interop.export import parse_formats

    try:
        return parse_formats(str(wanted))
    except ExportError as exc:
        raise pytest.UsageError(f"--synth-export: {exc}") from None


def _export(config: pytest.Config, synth: SynthSession) -> None:
    """``--synth-export``: the store's cells in other formats, lines for the summary."""
    formats = _export_formats(config)
    if not formats:
        return
    from harness.interop.export import export_store

    out = synth.results_dir / "export"
    try:
        done = export_store(synth.results_dir, formats, out, suite=Path(synth.suite.path))
    except (ValueError, OSError) as exc:  # data gone or changed: the run's report stands
        config.stash[EXPORT_KEY] = [f"export failed: {exc}"]
        return
    lines = [f"export: {name}: {len(files)} file(s) in {out / name}"
             for name, files in done.written]
    lines += [f"export: not exported: {k.id}: {why}" for k, why in done.left_out]
    lines += [f"export: {k.id}: primary score undefined: no Hub entry" for k in done.undefined]
    config.stash[EXPORT_KEY] = lines


# ------------------------------------------------------------------ collection


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "synthbench: a pytest-synthbench case (task, dataset, generator, model)"
    )
    config.addinivalue_line(
        "markers", "synthbench_unavailable(reason): the case's model lacks an installed package"
    )
    config.pluginmanager.register(SynthPlugin(config), "synthbench-session")
    if shard := _setting(config, "--synth-shard"):
        from harness.run.shard import ShardError, parse_shard

        try:
            parse_shard(str(shard))  # refused before anything runs or is written
        except ShardError as exc:
            raise pytest.UsageError(str(exc)) from None
    if _is_worker(config):
        _share_cores(config)
        return
    from harness.backends.cache import ENV_RUN_ID

    # A fresh id per run (never inherited from an enclosing run), passed on to
    # xdist workers, so the response cache sums this run's hits and misses only.
    os.environ[ENV_RUN_ID] = uuid.uuid4().hex
    # The store's run id: written with each result this run computes.
    os.environ[ENV_RUN] = uuid.uuid4().hex[:12]
    _group_by_model(config)
    from harness.backends.managed import open_run

    # Local LLM servers (llama-cpp) belong to the controller: workers inherit the run.
    config.stash[SERVERS_KEY] = open_run()


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop this run's local LLM servers; runs after failures and interrupts too."""
    if not _is_worker(config) and SERVERS_KEY in config.stash:
        from harness.backends.managed import close_run

        close_run(config.stash[SERVERS_KEY])


def _share_cores(config: pytest.Config) -> None:
    """Give each xdist worker its share of the cores for torch and BLAS threads.

    Every worker's torch would otherwise start one thread per core, and N workers
    on N cores then fight over them (measured: slower than -n 0 for MiniLM). Set
    before any model library is imported; a user's own setting wins.
    """
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    threads = str(max(1, (os.cpu_count() or 1) // max(1, workers)))
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, threads)


def _explicit_dist(config: pytest.Config) -> bool:
    args = [
        *config.invocation_params.args,
        *os.environ.get("PYTEST_ADDOPTS", "").split(),
        *config.getini("addopts"),
    ]
    return any(a == "--dist" or a.startswith("--dist=") or a == "-d" for a in args)


def _group_by_model(config: pytest.Config) -> None:
    """Under xdist's default ``load`` mode, schedule each (dataset, model) as one unit.

    One worker then trains or loads a model for a dataset once and scores all its
    sources, instead of every worker doing it again (``harness.plugin.scheduling``). Other
    tests are spread as by ``load``. An explicit ``--dist`` is respected.
    """
    if getattr(config.option, "dist", "no") == "load" and not _explicit_dist(config):
        config.stash[GROUPED_KEY] = True


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if FIXTURE not in metafunc.fixturenames:
        return
    from harness.run.runner import iter_cases

    config = metafunc.config
    suite = _suite(config)
    lacking = _unavailable_models(suite)
    params = []
    keys = iter_cases(suite)
    if not keys and not _setting(config, "--synth-allow-empty"):
        # Nothing would run and the run would pass: a CI job that proves nothing.
        pytest.fail(
            f"{suite.path}: the suite declares no case (no model runs a task of "
            "any of its datasets); add [models.*] with a matching task, or pass "
            "--synth-allow-empty (ini synth_allow_empty) to accept an empty run",
            pytrace=False,
        )
    for key in keys:
        names = _markers(key)
        for name in names:
            # Registered before use, so --strict-markers accepts them.
            config.addinivalue_line("markers", f"{name}: synthbench cases of this value")
        marks = [getattr(pytest.mark, n) for n in names] + [pytest.mark.synthbench]
        if key.model in lacking:
            marks.append(pytest.mark.synthbench_unavailable(lacking[key.model]))
        params.append(pytest.param(key, id=key.id, marks=marks))
    metafunc.parametrize(FIXTURE, params)


def _unavailable_models(suite: Suite) -> dict[str, str]:
    """Models whose packages are not installed -> the line that says what to install.

    Checked at collection (``find_spec``, nothing imported), so a core install that
    runs a suite naming an embeddings or LLM model fails those cases at once with the
    ``pip install`` line, instead of skipping them or failing deep inside a worker.
    """
    from harness.core.extras import missing_message
    from harness.models.factories import FactoryError, requirements

    lacking: dict[str, str] = {}
    for spec in suite.models:
        try:
            needs = requirements(spec.factory, spec.params)
        except FactoryError:  # the config reports a bad factory with file and key
            continue
        if message := missing_message(f"model {spec.name!r}", needs):
            lacking[spec.name] = message
    return lacking


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config: pytest.Config) -> Generator[None, None, None]:
    """A suite that cannot be read registers no case marker, so pytest's own ``-m``
    check (strict markers, pytest >= 9.1) would add "Unknown marker(s) task_..." to
    the suite's error. That error is already reported at collection and is the whole
    story; the marker complaint is its echo, so it alone is dropped."""
    try:
        return (yield)
    except pytest.UsageError as exc:
        if SUITE_FAILED_KEY in config.stash and str(exc).startswith("Unknown marker"):
            return None
        raise


class SynthPlugin:
    """Hooks that need the run's config; registered once per process at configure."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        """``--synth-shard I/N``: keep this shard's (dataset, model) groups only."""
        spec = _setting(config, "--synth-shard")
        if not spec:
            return
        from harness.run.shard import ShardError, expected_cost, parse_shard, shard_keys

        try:
            index, count = parse_shard(str(spec))
        except ShardError as exc:
            raise pytest.UsageError(str(exc)) from None
        settings = _run_settings(config)
        cost = expected_cost(settings.data_dir, settings.max_examples)
        mine = {k.id for k in shard_keys(_suite(config), index, count, cost)}
        keep: list[pytest.Item] = []
        drop: list[pytest.Item] = []
        for item in items:
            case = param_id(item.nodeid) if FIXTURE in getattr(item, "fixturenames", ()) else ""
            (drop if case and case not in mine else keep).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Without xdist this process sees the selected items: the expected cells."""
        if _is_worker(self.config) or self.config.pluginmanager.has_plugin("dsession"):
            return
        ids = [i.nodeid for i in session.items if FIXTURE in getattr(i, "fixturenames", ())]
        if ids:
            _ensure_session(self.config).set_collected(ids)
            self._announce_unavailable(ids)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        """Our scheduler when the plugin grouped cases (see ``_group_by_model``)."""
        if not self.config.stash.get(GROUPED_KEY, False) or not self._has_suite():
            return None
        from harness.plugin.scheduling import CaseGroupScheduling, plan_units
        from harness.run.runner import iter_cases

        suite, settings = _suite(self.config), _run_settings(self.config)
        keys = iter_cases(suite)
        return CaseGroupScheduling(
            config,
            log,
            lambda n: plan_units(keys, suite, settings.data_dir, n, settings.max_examples),
            lambda nodeid: param_id(nodeid) or None,
        )

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """With xdist the controller learns the selected ids from each worker."""
        synth_ids = [i for i in ids if param_id(i)]
        if synth_ids and self._has_suite():
            _ensure_session(self.config).set_collected(synth_ids)
            self._announce_unavailable(synth_ids)

    def _announce_unavailable(self, nodeids: list[str]) -> None:
        """Say once, at collection, which selected models cannot run here and the fix."""
        if self.config.stash.get(ANNOUNCED_KEY, False):
            return
        self.config.stash[ANNOUNCED_KEY] = True
        lacking = _unavailable_models(_suite(self.config))
        counts: dict[str, int] = {}
        for nodeid in nodeids:
            key = _ensure_session(self.config).expected.get(nodeid)
            if key is not None and key.model in lacking:
                counts[key.model] = counts.get(key.model, 0) + 1
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        for model, n in sorted(counts.items()):
            if terminal is not None:
                terminal.write_line(f"synthbench: {lacking[model]} ({n} case(s) fail)")

    def _has_suite(self) -> bool:
        try:
            _suite(self.config)
        except pytest.UsageError:
            return False
        return True

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """On the controller: take each case record as its report arrives."""
        if _is_worker(self.config):
            return
        carries = any(name == PROPERTY for name, _ in report.user_properties)
        synth = _session(self.config)
        if carries and synth is None:
            synth = _ensure_session(self.config)
        if synth is not None and (carries or report.failed):
            synth.add_report(report)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Refuse a store the run could not write its results into, before any case."""
        if _is_worker(self.config) or self.config.option.collectonly or not self._has_suite():
            return
        from harness.store.files import StoreError, validate_store

        try:
            validate_store(_run_settings(self.config).results_dir)
        except StoreError as exc:
            raise pytest.UsageError(str(exc)) from None

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        synth = _session(self.config)
        if synth is None or _is_worker(self.config) or self.config.option.collectonly:
            return
        if synth.finish() is None:
            return
        if synth.unsaved() and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED  # a file the run owes is missing
        _export(self.config, synth)
        # A shard sees part of each gate's cells; the merged report decides.
        synth.gates_deferred = synth.gates_failed and bool(_setting(self.config, "--synth-shard"))
        # Before junitxml's and the terminal's sessionfinish (tryfirst): each gate and
        # an empty run become test reports, so --junitxml, -rA and the counts carry them.
        reports = gate_reports(synth.verdicts, synth.gates_deferred)
        empty = "" if _setting(self.config, "--synth-allow-empty") else empty_run(synth)
        if empty:
            reports.append(synthetic_report(RUN_NODE, "failed", empty))
        log_reports(session, reports)
        failed = (synth.gates_failed and not synth.gates_deferred) or bool(empty)
        if failed and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_report_teststatus(
        self, report: pytest.TestReport, config: pytest.Config
    ) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
        """A reused case passes with a note, so counts, ``--lf`` and JUnit stay meaningful."""
        if report.when == "call" and report.passed and reused_from(report):
            return "passed", ".", ("PASSED (reused)", {"green": True})
        return None

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int) -> None:
        synth = _session(self.config)
        if synth is None or synth.report is None:
            return
        from harness.report.render.summary import render_summary
        from harness.report.render.terminal import render_terminal

        width = min(terminalreporter._tw.fullwidth, 100)
        full = self.config.get_verbosity() > 0 or _setting(self.config, "--synth-summary") == "full"
        render = render_terminal if full else render_summary
        terminalreporter.write_sep("=", "synthbench", bold=True)
        from harness.core.redaction import redact_tree
        from harness.core.textsafe import scrub_tree

        # A lone surrogate would crash print; a secret in a reason must not reach the log.
        shown = redact_tree(scrub_tree(synth.report.to_dict())[0])
        for line in render(shown, width=width).splitlines():
            terminalreporter.write_line(line)
        typed = synth.report
        if typed.text_safety is not None and typed.text_safety.note:
            terminalreporter.write_line(typed.text_safety.note)
        from harness.run.runner import data_error_lines

        for line in data_error_lines(list(synth.results.values())):
            terminalreporter.write_line(line)
        states = typed.store.states
        ran = len(synth.results) - len(synth.reused)
        terminalreporter.write_line(
            f"store: {ran} case(s) run now, {len(synth.reused)} reused unchanged; the report "
            f"covers {sum(states.values())} suite cell(s), {states.get('missing', 0)} missing"
        )
        store = typed.store
        for damage in (*store.damaged, *store.conflicts, *store.superseded):
            terminalreporter.write_line(f"store: {damage}", yellow=True)
        for line in synth.unsaved():
            terminalreporter.write_line(line, red=True)
        for line, red in gate_exit_lines(synth.verdicts, synth.gates_deferred):
            terminalreporter.write_line(line, red=red, yellow=not red)
        if synth.gates_deferred:
            terminalreporter.write_line(
                "gates: a failing gate does not fail a shard's run; decide with "
                "`synthbench report` over every shard's store",
                yellow=True,
            )
        for path in synth.written:
            terminalreporter.write_line(f"report: {path}")
        for line in self.config.stash.get(EXPORT_KEY, []):
            terminalreporter.write_line(line, yellow=line.startswith("export failed"))


@pytest.fixture
def synth_evaluate(request: pytest.FixtureRequest) -> Callable[[CaseKey], CaseResult]:
    """Run one case; the record rides on the test report to the controller.

    Skips (missing data, package or endpoint) skip the test with the reason, unless
    ``--synth-strict`` makes missing data an error.
    """
    from harness.run.runner import evaluate as run_or_reuse

    config = request.config

    def evaluate(key: CaseKey) -> CaseResult:
        if lacking := request.node.get_closest_marker("synthbench_unavailable"):
            # Found at collection: fail with the install line, before any work.
            reason = str(lacking.args[0])
            record = CaseResult(key, "error", reason=reason, extra={"error": "dependency"})
            request.node.user_properties.append((PROPERTY, json.dumps(record.to_dict())))
            pytest.fail(reason, pytrace=False)
        settings = _run_settings(config)
        done = run_or_reuse(key, _suite(config), settings)
        result = done.result
        request.node.user_properties.append((PROPERTY, json.dumps(result.to_dict())))
        if done.reused_from:
            # Inputs unchanged since that run (fingerprint match): its result stands.
            request.node.user_properties.append((REUSED, done.reused_from))
        if result.status == "skipped":
            if _setting(config, "--synth-strict") and result.extra.get("skip") == "data":
                pytest.fail(result.reason, pytrace=False)
            pytest.skip(result.reason)
        if result.status == "error":  # bad data: the loader's one line, not a traceback
            pytest.fail(result.reason, pytrace=False)
        if result.status == "incomplete":  # failed requests: not a result, asked again
            pytest.fail(f"incomplete: {result.reason}", pytrace=False)
        return result

    return evaluate


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    callspec = getattr(item, "callspec", None)
    key = callspec.params.get(FIXTURE) if callspec is not None else None
    if not isinstance(key, CaseKey) or not report.failed:
        return
    if any(name == PROPERTY for name, _ in report.user_properties):
        return
    # The case raised: send an error record so the report names it with its reason.
    reason = call.excinfo.exconly().splitlines()[0] if call.excinfo else "failed"
    record = CaseResult(key, "error", reason=reason[:500])
    report.user_properties.append((PROPERTY, json.dumps(record.to_dict())))
