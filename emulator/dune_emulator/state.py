"""All server-side state of one emulator: database, saved queries, executions, faults, limits."""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from typing import Any

import duckdb

from . import dune_functions, evm_decoding, persistence, sandbox
from .clock import EmulatorClock, format_rfc3339
from .config import EmulatorConfig
from .endpoints_store import EndpointStore
from .engine import ExecutionEngine
from .faults import ConnectionTable, FaultBook
from .fixtures import apply_fixtures, load_fixtures
from .matviews_store import MatviewStore
from .pipelines_engine import PipelineEngine
from .query_store import QueryStore
from .ratelimit import RateLimiter
from .sample_data import install_sample_data, seeded_queries
from .uploads_store import UploadStore

log = logging.getLogger(__name__)


class EmulatorState:
    """Built once per server; `reset()` returns it to the start configuration."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        # read the fixtures first: a bad file fails before anything is opened
        self.fixtures = load_fixtures(config.fixtures) if config.fixtures else None
        self.settings = config.settings.copy()
        self.clock = EmulatorClock()
        self.data_dir = persistence.prepare_dir(config.data_dir) if config.data_dir else None
        path = str(self.data_dir / persistence.DB_FILE) if self.data_dir else ":memory:"
        self.db = duckdb.connect(path)
        cur = self.db.cursor()
        cur.execute("SET GLOBAL TimeZone = 'UTC'")
        cur.execute("SET GLOBAL python_enable_replacements = false")  # SQL sees no Python
        cur.close()
        install_sample_data(self.db)
        self.uploads = UploadStore(self.db, self.data_dir, self.now_text, config.owner_handle)
        self.endpoints = EndpointStore(self.db)
        self.faults = FaultBook()
        self.connections = ConnectionTable()
        self.rate_limiter = RateLimiter()
        self.queries = QueryStore()
        self._save_lock = threading.Lock()
        self.engine = ExecutionEngine(
            self.db, self.clock, self.settings, config.worker_threads, on_finish=self.save
        )
        self.engine.start_ticker()
        self.matviews = MatviewStore(
            self.db,
            self.engine,
            self.queries,
            self.data_dir,
            config.owner_handle,
            self.now_text,
        )
        self.pipelines = PipelineEngine(self.engine, self.queries, self.matviews)
        # user SQL runs with no file system access: only uploads' private staging dir is open
        self._scratch = tempfile.mkdtemp(prefix="dune-emulator-")
        self.uploads.scratch_dir = self._scratch
        dune_functions.register(self.db)
        evm_decoding.register(self.db)
        sandbox.lock_down(self.db, self._scratch)
        saved = persistence.load_state(self.data_dir) if self.data_dir else None
        if saved:
            self.queries.load(saved.get("queries", []), saved.get("next_query_id"))
            self.engine.restore(saved.get("executions", []))
        else:
            self.queries.replace_all(seeded_queries(), self.now_text())
        try:
            self._seed_fixtures()
        except BaseException:
            self.close()
            raise

    def _seed_fixtures(self) -> None:
        if self.fixtures is not None:
            apply_fixtures(self, self.fixtures)

    def now_text(self) -> str:
        return format_rfc3339(self.clock.now_ns(), 6)

    def save(self) -> None:
        """Persist saved queries and finished executions when a data dir is configured."""
        if self.data_dir is None:
            return
        queries, next_id = self.queries.records()
        state: dict[str, Any] = {
            "queries": queries,
            "next_query_id": next_id,
            "executions": self.engine.records(),
        }
        with self._save_lock:
            persistence.save_state(self.data_dir, state)

    def reset(self) -> None:
        """Clear faults, pins, counters, executions and settings; restore the seeded queries."""
        self.engine.clear()
        self.pipelines.clear()
        self.matviews.clear()
        self.faults.clear()
        self.rate_limiter.clear()
        self.clock.reset()
        self.settings.update(self.config.settings.as_dict())
        self.queries.replace_all(seeded_queries(), self.now_text())
        self.uploads.reset()
        self.endpoints.reset()
        self._seed_fixtures()
        self.save()

    def close(self) -> None:
        self.engine.shutdown()
        try:
            self.save()
        finally:
            self.db.close()
            shutil.rmtree(self._scratch, ignore_errors=True)
