"""The scoring policy of ``KEYPULSE_POLICY_FILE``: the file read the domain leaves out.

The domain only overlays a parsed mapping
(:func:`consumers.domain.policy.policy_from_mapping`); reading and parsing the
TOML file happens here, for the stream worker (consumers/agents/app.py) and
for everything else that must score as the worker does.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from consumers.domain.errors import PolicyError
from consumers.domain.policy import DEFAULT_POLICY, Policy, policy_from_mapping


def load_policy(path: str | Path) -> Policy:
    """Read a policy TOML file; keys it leaves out keep their defaults."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"policy file {path} is not valid TOML: {exc}") from exc
    return policy_from_mapping(data)


def load_worker_policy(path: Path | None) -> Policy:
    """The scoring policy: the TOML file if configured, else the defaults."""
    return load_policy(path) if path is not None else DEFAULT_POLICY
