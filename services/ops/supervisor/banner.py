"""What ``keypulse up`` prints once everything runs: URLs, broker, logs, tokens, the demo."""

from __future__ import annotations

from pathlib import Path

from services.settings import Settings


def banner(
    settings: Settings,
    api_url: str,
    log_dir: Path,
    tokens: dict[str, dict[str, str]] | None,
    *,
    demo: bool,
) -> str:
    """The announcement: where the API and dashboard are, which tokens to use."""
    lines = [
        "",
        "keypulse is running",
        f"  API:        {api_url}/v1   (OpenAPI docs: {api_url}/docs)",
        f"  dashboard:  {api_url}/",
        f"  broker:     {settings.bootstrap_servers}"
        + (" (embedded Tansu, memory only)" if settings.uses_embedded_broker else ""),
        f"  logs:       {log_dir}",
    ]
    if tokens:
        lines.append("  tokens (Authorization: Bearer <token>), generated for this run:")
        lines += [f"    {p['role']:<6} {p.get('kam_id', ''):<11} {t}" for t, p in tokens.items()]
    if not demo:
        lines.append("  demo simulator: off (--no-demo)")
    else:
        from services.feeds.simulator.run import DEMO

        lines.append(
            f"  demo simulator: seed {DEMO.seed}, {DEMO.days:g} days of history; the last "
            f"{DEMO.live_days:g} days play over ~{DEMO.catch_up_seconds:.0f} s, then it "
            "follows the wall clock. Open the dashboard with an admin, lead or kam token: "
            "alerts and queues appear within a minute."
        )
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)
