"""Every ``keypulse`` command and option, declared in one place (what ``--help`` shows).

The commands' work is in one module each (``services/cli/<command>.py``);
this module only declares what they accept, so that the whole command-line
surface (the README's "Commands" table) can be read and checked at once.
"""

from __future__ import annotations

import argparse

#: The epilog of every command's ``--help``.
ENV_HELP = (
    "Configuration comes from KEYPULSE_* environment variables (see README, 'Configuration')."
)


def build_parser() -> argparse.ArgumentParser:
    """The ``keypulse`` parser: every command and its options."""
    parser = argparse.ArgumentParser(
        prog="keypulse",
        description="keypulse: explainable key-account health, relationship alerts and "
        "KAM work queues, within a second of the event.",
        epilog=ENV_HELP,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = sub.add_parser(
        "up",
        help="run everything on this machine (broker, worker, sink, API, demo)",
        description="Start the embedded broker (unless KEYPULSE_BROKER names a cluster), the "
        "stream worker, the read-model sink and the API as supervised child processes, "
        "print the URLs and tokens, and stop everything cleanly on Ctrl-C or SIGTERM. "
        "If a child dies, its last log lines are shown and keypulse up exits with status 1.",
        epilog=ENV_HELP,
    )
    up.add_argument("--no-demo", action="store_true", help="do not start the demo simulator")
    up.add_argument(
        "--verbose", action="store_true", help="echo every log line of every child process"
    )

    broker = sub.add_parser(
        "broker",
        help="run only the embedded Kafka-compatible broker (Tansu) in the foreground",
        description="Run the embedded Tansu broker on 127.0.0.1:KEYPULSE_EMBEDDED_BROKER_PORT "
        "(memory only: everything is gone when it stops), create the contract topics, and "
        "run until Ctrl-C or SIGTERM.",
        epilog=ENV_HELP,
    )
    broker.add_argument("--port", type=int, help="listen port (default: 19092)")

    sub.add_parser(
        "worker",
        help="run only the stream worker (Faust)",
        description="Consume the input topics, keep per-account state, publish health and "
        "alerts. Connects to KEYPULSE_BROKER, or to the embedded broker started by "
        "'keypulse broker'.",
        epilog=ENV_HELP,
    )
    sub.add_parser(
        "sink",
        help="run only the read-model sink (output topics → SQL database)",
        description="Copy account-health, alerts, account profiles and KAM queues from Kafka "
        "into the SQL read models at KEYPULSE_DATABASE_URL (default: a SQLite file in "
        "KEYPULSE_DATA_DIR); creates or upgrades the schema first.",
        epilog=ENV_HELP,
    )
    sub.add_parser(
        "api",
        help="run only the HTTP API",
        description="Serve the HTTP API on KEYPULSE_API_HOST:KEYPULSE_API_PORT "
        "(default 127.0.0.1:8000).",
        epilog=ENV_HELP,
    )
    lag = sub.add_parser(
        "lag",
        help="show consumer lag, lag in seconds and status per group and partition",
        description="Committed offset, log-end offset and lag for every partition of "
        "keypulse's consumer groups (ids starting with KEYPULSE_TOPIC_PREFIX + 'keypulse'), "
        "like kafka-consumer-groups --describe, plus LAG-SECONDS (how old the oldest unread "
        "record is, interpolated from log-end offsets sampled over time, as "
        "kafka-lag-exporter does) and STATUS (Burrow's rules over a sliding window of "
        "commits: OK, WARN, STOP, STALL, REWIND; a group shows its worst partition, with "
        "STOP/STALL/REWIND as ERR). Both need several samples: a single run shows them only "
        "where the lag is 0; use --watch.",
        epilog=ENV_HELP,
    )
    lag.add_argument(
        "--json",
        action="store_true",
        help="print JSON (one object per sample, one line each with --watch)",
    )
    lag.add_argument(
        "--watch",
        action="store_true",
        help="sample again every --interval seconds and reprint until Ctrl-C",
    )
    lag.add_argument(
        "--interval",
        type=float,
        default=5.0,
        metavar="S",
        help="seconds between samples with --watch (default: 5; keep it above the "
        "consumers' commit interval, Faust commits every 2.8 s)",
    )
    lag.add_argument(
        "--count",
        type=int,
        metavar="N",
        help="with --watch: stop after N samples instead of running until Ctrl-C",
    )
    _add_bench(sub)
    _add_simulate(sub)
    _add_publish(sub)
    _add_verify(sub)
    return parser


def _add_bench(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bench = sub.add_parser(
        "bench",
        help="measure throughput, latency, step cost and memory of the pipeline",
        description="On a private embedded broker, for each mix (shallow: --events over "
        "--accounts, a few events each; deep: --deep-accounts x --deep-events over --deep-days "
        "of event time, interleaved like a CRM history replay), each published on fresh topics "
        "and consumed from offset 0: (a) raw aiokafka consume rate, (b) an empty Faust agent's "
        "rate, (c) the full pipeline's rate from input topics to health and alerts (event "
        "clock), and (c)/(b). Then (d) p50/p99 latency from produce to alert at each steady "
        "--rate on the shallow mix (wall clock) and the ceiling, the highest rate whose p99 "
        "stays under 250 ms; (e) the engine's microseconds per account step at each "
        "--step-history depth (in-process, no broker); (f) the worker's resident memory per "
        "account at each --memory-accounts count (in a process of its own, from a generated "
        "deep-mix state; a count projected not to fit in memory is skipped). Progress goes to "
        "stderr; prints a table and writes JSON.",
        epilog=ENV_HELP,
    )
    bench.add_argument(
        "--mix",
        choices=("shallow", "deep", "both"),
        default="both",
        help="the mixes of phases (a)-(c) (both)",
    )
    bench.add_argument("--events", type=int, default=20_000, help="shallow backlog size (20000)")
    bench.add_argument("--accounts", type=int, default=2_000, help="shallow accounts (2000)")
    bench.add_argument("--deep-accounts", type=int, default=500, help="deep mix accounts (500)")
    bench.add_argument(
        "--deep-events", type=int, default=120, help="deep mix events per account (120)"
    )
    bench.add_argument(
        "--deep-days", type=float, default=150.0, help="deep mix days of event time (150)"
    )
    bench.add_argument(
        "--rate",
        type=int,
        action="append",
        help="steady rate/s of a latency phase; repeat for several "
        "(default: 250, 500, 1000 and 2000)",
    )
    bench.add_argument("--seconds", type=int, default=60, help="latency phase length (60)")
    bench.add_argument(
        "--step-history",
        type=int,
        action="append",
        metavar="N",
        help="events of history per account of a step-cost run; repeat for several "
        "(default: 10, 100 and 1000)",
    )
    bench.add_argument(
        "--step-accounts",
        type=int,
        default=40,
        help="accounts per step-cost run, 5 steps each (40)",
    )
    bench.add_argument(
        "--memory-accounts",
        type=int,
        action="append",
        metavar="N",
        help="accounts of a memory run; repeat for several (default: 10000 and 100000)",
    )
    bench.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="skip `keypulse verify` after each mix's pipeline phase (the sink fills read "
        "models from that phase's outputs, then verify compares them with the inputs' replay)",
    )
    bench.add_argument(
        "--out", default="bench-results.json", help="JSON output file (bench-results.json)"
    )


def _add_simulate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    simulate = sub.add_parser(
        "simulate",
        help="publish a simulated key-account portfolio (demo), or write it to a file",
        description="A realistic portfolio (about 40 key accounts, groups with subsidiaries, "
        "3-8 stakeholders each, 5 KAMs) with the behaviours keypulse watches for: a decision "
        "maker going silent, a champion leaving in a reorganisation, a new decision maker, a "
        "P1 escalation, an order gap, a handover. Live: the history ends at the wall clock; "
        "all but the last --live-days are published at once, those are played at --speed "
        "simulated days per real second until simulated time meets the wall clock, then "
        "--follow-days more go on at the wall clock's pace. --to-file writes the history as "
        "JSONL instead (identical for the same --seed, --days and --end).",
        epilog=ENV_HELP,
    )
    simulate.add_argument("--seed", type=int, default=7, help="portfolio and history seed (7)")
    simulate.add_argument("--days", type=float, default=180.0, help="days of history (180)")
    simulate.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="simulated days per real second while catching up (1)",
    )
    simulate.add_argument(
        "--live-days",
        type=float,
        default=10.0,
        help="the last days of the history that are played at --speed rather than at once (10)",
    )
    simulate.add_argument(
        "--follow-days",
        type=float,
        default=0.0,
        help="after catching up, go on for this many days at the wall clock's pace (0)",
    )
    simulate.add_argument(
        "--to-file", metavar="FILE", help="write the history as JSONL instead of publishing"
    )
    simulate.add_argument(
        "--end",
        metavar="TIMESTAMP",
        help="with --to-file: when the history ends, RFC 3339 (default: today 00:00 UTC)",
    )


def _add_publish(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    publish = sub.add_parser(
        "publish",
        help="import a JSONL file of input events (one event per line)",
        description="Validate every line of FILE (JSON, the event contract, and with the wall "
        "clock no occurred_at more than 24 h ahead) and report bad lines with their numbers. "
        "If any line is bad, nothing is published unless --skip-invalid is given. Events go "
        "to their topics keyed by account_id; a summary per topic follows.",
        epilog=ENV_HELP,
    )
    publish.add_argument("file", metavar="FILE", help="JSONL file, one event object per line")
    publish.add_argument(
        "--skip-invalid",
        action="store_true",
        help="publish the valid lines and skip the invalid ones",
    )


def _add_verify(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify = sub.add_parser(
        "verify",
        help="check the read models against a replay of the input topics (writes nothing)",
        description="Read every input topic from the beginning up to its end offsets at start "
        "(no consumer group: nothing is committed or produced), decode each record as the "
        "worker does (invalid records are counted and skipped), fold the events with the "
        "reference engine and the worker's policy (KEYPULSE_POLICY_FILE), and compare each "
        "account with the SQL read models at KEYPULSE_DATABASE_URL (SELECTs only): master "
        "data, stakeholders, health score, band, components and drivers, open alerts. Each "
        "part is evaluated at the time the read models say it was computed for. Prints a "
        "summary and one line per difference. Health history points in event time are "
        "compared and listed apart; they count for the exit status only with "
        "--strict-history (a point re-evaluated after a late event is approximate). "
        "Exit status: 0 nothing differs, 1 something "
        "does, 2 verify cannot run (broker or database unreachable, no read-model schema, "
        "a missing input topic). "
        "Reads every input topic from its start: the cost grows with the topics.",
        epilog=ENV_HELP,
    )
    verify.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: accounts_checked, accounts_differing, events_read, "
        "invalid_skipped, differences [{account_id, field, read_model, replay}], "
        "history_points_checked, history_differences (the same shape)",
    )
    verify.add_argument(
        "--strict-history",
        action="store_true",
        help="exit 1 also when a health history point differs from the replay",
    )
    verify.add_argument(
        "--timeout",
        type=float,
        default=15.0,
        metavar="S",
        help="seconds to wait for the broker to answer, at start and for the next records "
        "while reading (default: 15)",
    )
