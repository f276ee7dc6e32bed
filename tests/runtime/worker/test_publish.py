"""The API's direct publish of a run delivery: the same message Celery would send, on the same Redis list.

That a real worker executes what is published this way is shown by every Redis-backed test of
``test_runs_on_worker.py``: the platform's run API enqueues through ``RedisRunPublisher``.
"""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import pytest
import redis

from runtime.worker.app import create_celery, enqueue
from runtime.worker.config import WorkerConfig
from runtime.worker.publish import RedisRunPublisher
from tests.runtime.worker.harness import REDIS_URL


def _pop(config: WorkerConfig) -> dict:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        raw = client.rpop(f"{config.namespace}:{config.queue}")  # the end a worker's BRPOP takes from
    finally:
        client.close()
    assert raw is not None, "nothing was queued"
    return json.loads(raw)


def test_the_published_message_is_the_one_celery_sends(queue_config: WorkerConfig) -> None:
    celery = create_celery(queue_config)
    enqueue(celery, queue_config, "a" * 32, task_id="task-1")
    by_celery = _pop(queue_config)

    async def publish() -> None:
        publisher = RedisRunPublisher(celery, queue_config)
        try:
            await publisher.send("a" * 32, "task-1")
        finally:
            await publisher.close()

    asyncio.run(publish())
    direct = _pop(queue_config)

    assert direct.keys() == by_celery.keys()
    for field in ("content-type", "content-encoding"):
        assert direct[field] == by_celery[field]
    assert json.loads(base64.b64decode(direct["body"])) == json.loads(base64.b64decode(by_celery["body"]))
    assert direct["headers"] == by_celery["headers"]
    assert direct["headers"]["task"] == "lcnc.run" and direct["headers"]["id"] == "task-1"
    same = ("correlation_id", "delivery_mode", "delivery_info", "priority", "body_encoding")
    assert {k: direct["properties"][k] for k in same} == {k: by_celery["properties"][k] for k in same}
    assert direct["properties"]["delivery_tag"] != by_celery["properties"]["delivery_tag"]
    celery.close()


def test_a_publisher_needs_a_redis_broker(tmp_path: Path) -> None:
    config = WorkerConfig(database_url="sqlite+aiosqlite:///unused.db", data_dir=tmp_path)
    with pytest.raises(ValueError, match="REDIS_URL"):
        RedisRunPublisher(create_celery(config), config)
