"""ops/metrics.py without the app: the settings, the outbox cache, and the multiprocess mode with two processes."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest
from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from prometheus_client.parser import text_string_to_metric_families

from coursesite.ops.metrics import MULTIPROC_ENV, MetricsSource, _pool_gauges, prepare_multiprocess_dir
from coursesite.settings import ConfigError, Settings

SECRET = {"COURSESITE_SECRET_KEY": "x" * 32}


def values(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_the_allow_list_is_checked_at_start_naming_the_setting():
    assert Settings.from_env(SECRET).metrics_allow == ("127.0.0.1/32", "::1/128")
    allowed = Settings.from_env({**SECRET, "COURSESITE_METRICS_ALLOW": "10.0.0.1, 192.168.0.0/16"}).metrics_allow
    assert allowed == ("10.0.0.1/32", "192.168.0.0/16")
    with pytest.raises(ConfigError, match="COURSESITE_METRICS_ALLOW: not an IP address or network: 'localhost'"):
        Settings.from_env({**SECRET, "COURSESITE_METRICS_ALLOW": "127.0.0.1,localhost"})
    with pytest.raises(ConfigError, match="COURSESITE_METRICS_TOKEN: at least 16 characters"):
        Settings.from_env({**SECRET, "COURSESITE_METRICS_TOKEN": "short"})


class Outbox:
    def __init__(self) -> None:
        self.calls = 0
        self.counts = {"queued": 2, "sending": 1, "failed": 4, "sent": 9}

    async def __call__(self) -> dict[str, int]:
        self.calls += 1
        return dict(self.counts)


async def test_the_outbox_is_read_at_scrape_time_with_a_short_cache():
    outbox = Outbox()
    source = MetricsSource(outbox, SimpleNamespace(pending=7, dropped=0), engine=SimpleNamespace(pool=None))
    made = _pool_gauges.cache_info().currsize
    first = values((await source.exposition()).decode())
    assert first[("coursesite_mail_pending_messages", frozenset())] == 3
    assert first[("coursesite_mail_failed_messages", frozenset())] == 4
    assert first[("coursesite_pageview_buffer_rows", frozenset())] == 7
    assert _pool_gauges.cache_info().currsize == made  # SQLite: no pool, no pool series made for it
    outbox.counts["failed"] = 5
    await source.exposition()
    assert outbox.calls == 1  # cached
    source.cache_seconds = 0
    again = values((await source.exposition()).decode())
    assert outbox.calls == 2 and again[("coursesite_mail_failed_messages", frozenset())] == 5


async def test_the_gauges_follow_requests_at_most_once_a_second_and_every_scrape(monkeypatch):
    from coursesite.ops import metrics

    clock = [1000.0]
    monkeypatch.setattr(metrics.time, "monotonic", lambda: clock[0])
    buffer = SimpleNamespace(pending=1, dropped=0)
    source = MetricsSource(Outbox(), buffer, engine=SimpleNamespace(pool=None))
    source.after_request()
    assert metrics.PAGEVIEW_BUFFER._value.get() == 1  # the first request sets them
    buffer.pending = 2
    clock[0] += 0.5
    source.after_request()
    assert metrics.PAGEVIEW_BUFFER._value.get() == 1  # within the second: left as they were
    found = values((await source.exposition()).decode())
    assert found[("coursesite_pageview_buffer_rows", frozenset())] == 2  # a scrape reads them now
    buffer.pending = 3
    clock[0] += 1.0
    source.after_request()
    assert metrics.PAGEVIEW_BUFFER._value.get() == 3


async def test_the_pool_is_reported_where_the_engine_has_one():
    pool = SimpleNamespace(get_size=lambda: 4, get_idle_size=lambda: 3, get_max_size=lambda: 10)
    source = MetricsSource(Outbox(), SimpleNamespace(pending=0, dropped=0), engine=SimpleNamespace(pool=pool))
    found = values((await source.exposition()).decode())
    assert found[("coursesite_db_pool_connections", frozenset())] == 4
    assert found[("coursesite_db_pool_idle_connections", frozenset())] == 3
    assert found[("coursesite_db_pool_max_connections", frozenset())] == 10


WORKER = """
import os
from coursesite.ops import metrics
metrics.observe_request("GET", "/kurs/{slug:str}", 200, 0.02)
metrics.count_graded("numeric", "graded")
metrics.PAGEVIEW_BUFFER.set(3)
print(os.getpid())
"""


async def test_two_worker_processes_are_added_up(tmp_path, monkeypatch):
    directory = tmp_path / "metrics"
    (directory).mkdir()
    (directory / "counter_123.db").write_bytes(b"a previous run")
    prepare_multiprocess_dir(str(directory))
    assert list(directory.iterdir()) == []  # emptied at start
    env = {"PATH": "/usr/bin:/bin", MULTIPROC_ENV: str(directory)}
    pids = [
        int(subprocess.run([sys.executable, "-c", WORKER], env=env, check=True, capture_output=True, text=True).stdout)
        for _ in range(2)
    ]
    assert len({path.name for path in directory.iterdir() if path.name.startswith("counter_")}) == 2

    monkeypatch.setenv(MULTIPROC_ENV, str(directory))
    source = MetricsSource(Outbox(), SimpleNamespace(pending=0, dropped=0), engine=SimpleNamespace(pool=None))
    found = values((await source.exposition()).decode())
    labels = frozenset({"method": "GET", "route": "/kurs/{slug:str}", "status": "200"}.items())
    assert found[("coursesite_http_requests_total", labels)] == 2
    assert found[("coursesite_http_request_duration_seconds_count", labels)] == 2
    graded = frozenset({"question_type": "numeric", "status": "graded"}.items())
    assert found[("coursesite_answers_graded_total", graded)] == 2
    assert found[("coursesite_mail_pending_messages", frozenset())] == 3  # read by the scraping process
    # the live gauges: summed over the workers; a stopped worker leaves the sum
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))
    assert values(generate_latest(registry).decode())[("coursesite_pageview_buffer_rows", frozenset())] == 6
    multiprocess.mark_process_dead(pids[0], path=str(directory))
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))
    assert values(generate_latest(registry).decode())[("coursesite_pageview_buffer_rows", frozenset())] == 3


def test_a_request_is_counted_in_its_series_each_time(monkeypatch):
    from prometheus_client import REGISTRY

    from coursesite.ops import metrics

    labels = {"method": "PATCH", "route": "/test/{series:int}", "status": "418"}
    before = REGISTRY.get_sample_value("coursesite_http_requests_total", labels) or 0
    for _ in range(3):  # the first finds the series, the next two take it from the cache
        metrics.observe_request("PATCH", "/test/{series:int}", 418, 0.02)
    assert REGISTRY.get_sample_value("coursesite_http_requests_total", labels) == before + 3
    assert REGISTRY.get_sample_value("coursesite_http_request_duration_seconds_count", labels) == before + 3

    monkeypatch.setattr(metrics, "_SERIES_CAP", len(metrics._SERIES))  # full: counted all the same, nothing kept
    metrics.observe_request("PATCH", "/test/{series:int}", 419, 0.02)
    metrics.observe_request("PATCH", "/test/{series:int}", 419, 0.02)
    assert REGISTRY.get_sample_value("coursesite_http_requests_total", {**labels, "status": "419"}) == 2
    assert ("PATCH", "/test/{series:int}", 419) not in metrics._SERIES
