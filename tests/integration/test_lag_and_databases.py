"""``keypulse lag`` against a real group, and the PostgreSQL / SQLite fixtures themselves."""

from __future__ import annotations

import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

from services.kafka_config import consumer_config, producer_config
from services.lag import describe_groups, format_table
from services.settings import Settings


def test_lag_matches_committed_and_end_offsets(
    broker_settings: Settings, unique_topic: str
) -> None:
    producer = KafkaProducer(**producer_config(broker_settings))
    for i in range(30):
        producer.send(unique_topic, value=b"%d" % i, partition=i % 2)
    producer.flush()
    producer.close()

    group = f"keypulse-test-{unique_topic}"
    consumer = KafkaConsumer(**consumer_config(broker_settings, group_id=group))
    try:
        consumer.commit(
            {
                TopicPartition(unique_topic, 0): OffsetAndMetadata(10, "", -1),
                TopicPartition(unique_topic, 1): OffsetAndMetadata(15, "", -1),
            }
        )
    finally:
        consumer.close()

    rows = {(r.topic, r.partition): r for r in describe_groups(broker_settings) if r.group == group}
    assert rows[(unique_topic, 0)].committed == 10
    assert rows[(unique_topic, 0)].end == 15
    assert rows[(unique_topic, 0)].lag == 5
    assert rows[(unique_topic, 1)].lag == 0
    table = format_table([rows[(unique_topic, 0)]])
    assert table.splitlines()[0].split() == [
        "GROUP",
        "TOPIC",
        "PARTITION",
        "CURRENT-OFFSET",
        "LOG-END-OFFSET",
        "LAG",
    ]
    assert table.splitlines()[1].split() == [group, unique_topic, "0", "10", "15", "5"]


def test_postgres_fixture_gives_a_private_schema(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE probe (id int primary key)"))
            schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
            where = conn.execute(
                sa.text(
                    "SELECT table_schema FROM information_schema.tables WHERE table_name='probe'"
                )
            ).scalar_one()
            conn.execute(sa.text("DROP TABLE probe"))
    finally:
        engine.dispose()
    assert schema.startswith("kp_test_")
    assert where == schema


def test_database_url_runs_on_both_engines(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()
