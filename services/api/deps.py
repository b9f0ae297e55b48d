"""FastAPI dependencies and their ``Annotated`` aliases, shared by every route module.

Nothing here connects at import time: the read-model engine is built (and its
schema ensured) on the first request that needs it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Path, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Connection, Engine

from consumers.domain.policy import Policy
from services.api.auth import identify, require_role
from services.api.errors import DatabaseNotReady
from services.errors import ReadModelError
from services.policy_file import load_worker_policy
from services.read_models import create_engine_for, ensure_schema, writer
from services.settings import Principal, Settings

#: Identifiers as the contract defines them (1–128 characters); NUL is refused
#: because PostgreSQL cannot store it in text and would answer with an error.
ID_PATTERN = r"^[^\x00]{1,128}$"

#: Documents the bearer scheme in OpenAPI; auto_error off so that we answer
#: 401 with our own message and the WWW-Authenticate challenge.
bearer_scheme = HTTPBearer(auto_error=False, description="A token from KEYPULSE_API_KEYS.")


class ApiState:
    """Per-app objects built lazily: the read-model engine and the clock."""

    def __init__(self, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.principals = settings.api_principals()
        self.clock = clock
        self._engine: Engine | None = None
        self._policy: Policy | None = None
        self._lock = threading.Lock()

    def policy(self) -> Policy:
        """The scoring policy the worker uses (bands of group scores); read once."""
        with self._lock:
            if self._policy is None:
                self._policy = load_worker_policy(self.settings.policy_file)
            return self._policy

    def engine(self) -> Engine:
        """The read-model engine; the first call creates or upgrades the schema."""
        with self._lock:
            if self._engine is None:
                engine = create_engine_for(self.settings)
                try:
                    ensure_schema(engine)
                except ReadModelError as exc:
                    engine.dispose()
                    raise DatabaseNotReady(f"read-model database unavailable: {exc}") from exc
                self._engine = engine
            return self._engine

    def dispose(self) -> None:
        """Close the engine's pooled connections (on shutdown)."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None


def get_state(request: Request) -> ApiState:
    """The app's :class:`ApiState`."""
    state: ApiState = request.app.state.api
    return state


State = Annotated[ApiState, Depends(get_state)]


def get_settings(state: State) -> Settings:
    """The settings the app was built with."""
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_policy(state: State) -> Policy:
    """The scoring policy of ``KEYPULSE_POLICY_FILE`` (or the defaults)."""
    return state.policy()


ScoringPolicy = Annotated[Policy, Depends(get_policy)]


def get_now(state: State) -> datetime:
    """The API's notion of now (wall clock; tests may inject another clock)."""
    return state.clock()


Now = Annotated[datetime, Depends(get_now)]


def read_connection(state: State) -> Iterator[Connection]:
    """A connection for reads; its transaction is rolled back at the end."""
    try:
        with state.engine().connect() as conn:
            yield conn
    except sa.exc.OperationalError as exc:
        raise DatabaseNotReady("read-model database unavailable") from exc


def write_connection(state: State) -> Iterator[Connection]:
    """A connection in a write transaction (BEGIN IMMEDIATE on SQLite), committed at the end."""
    try:
        with writer(state.engine().connect()) as conn, conn.begin():
            yield conn
    except sa.exc.OperationalError as exc:
        raise DatabaseNotReady("read-model database unavailable") from exc


# scope="function": the transaction ends before the response is sent. FastAPI's
# default for yield dependencies ends it *after* the response, so a client that
# got 200 for an ack could read the alert before the ack was committed (and a
# failing commit would go unreported).
ReadConn = Annotated[Connection, Depends(read_connection, scope="function")]
WriteConn = Annotated[Connection, Depends(write_connection, scope="function")]


def current_principal(
    state: State,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
    request: Request,
) -> Principal:
    """The caller, from ``Authorization: Bearer <token>``; 401 when missing or unknown."""
    del credentials  # declared for OpenAPI; the raw header is checked below
    return identify(request.headers.get("authorization"), state.principals)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def _roles(*roles: str) -> Callable[[Principal], Principal]:
    def dependency(principal: CurrentPrincipal) -> Principal:
        return require_role(principal, *roles)

    dependency.__name__ = "require_" + "_or_".join(roles)
    return dependency


#: Callers allowed by docs/contract.md section 4, one alias per column value.
# The lead (KAM team lead) reads everything a KAM, ops or admin reads, but acts on nothing:
# no ingest, no ack or snooze, no consumer lag.
Reader = Annotated[Principal, Depends(_roles("kam", "ops", "admin", "lead"))]
Ingester = Annotated[Principal, Depends(_roles("ingest", "admin"))]
AlertActor = Annotated[Principal, Depends(_roles("kam", "admin"))]
# The live stream is for exactly those who may list alerts: a KAM (their own), ops, admin, lead.
StreamListener = Reader
Operator = Annotated[Principal, Depends(_roles("ops", "admin"))]

AccountId = Annotated[
    str, Path(pattern=ID_PATTERN, description="The key account.", examples=["acme-group"])
]
KamId = Annotated[str, Path(pattern=ID_PATTERN, description="The KAM.", examples=["k-anna"])]
AlertId = Annotated[str, Path(pattern=ID_PATTERN, description="The alert.", examples=["al-7f3c2a"])]
