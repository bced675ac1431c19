"""The embedded broker's delivered messages are pruned."""

from __future__ import annotations

from datetime import timedelta

from kombu import Connection

from engine.config import Settings
from engine.jobs.tasks import prune_delivered_messages
from web.celery_app import beat_schedule


def test_delivered_messages_are_deleted(tmp_path):
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    with Connection(url) as conn:
        queue = conn.SimpleQueue("prune-test")
        queue.put({"n": 1})
        queue.put({"n": 2})
        queue.get(timeout=5).ack()
        queue.close()
    assert prune_delivered_messages(url, timedelta(seconds=-60)) == 1  # only the delivered one
    assert prune_delivered_messages(url, timedelta(seconds=-60)) == 0
    with Connection(url) as conn:
        queue = conn.SimpleQueue("prune-test")
        assert queue.get(timeout=5).payload == {"n": 2}
        queue.close()


def test_pruning_is_scheduled_only_for_the_embedded_broker(tmp_path):
    embedded = Settings(env="testing", instance_path=tmp_path).resolved()
    assert "prune-embedded-broker" in beat_schedule(embedded)
    redis = Settings(env="testing", instance_path=tmp_path, broker_url="redis://127.0.0.1:6379/0").resolved()
    assert "prune-embedded-broker" not in beat_schedule(redis)
