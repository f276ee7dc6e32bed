"""Sending a run's delivery from an asyncio process (the API) straight onto the Redis list a worker reads.

Celery's own ``send_task`` is synchronous: on the API's event loop it blocks every other request for the
publish, and kombu's Redis transport builds a new client and copies its routing state for each one (about
1 ms of CPU per run here). The message is the one Celery would send: Celery builds the task headers and body
(``app.amqp.as_task_v2``) and kombu serializes the body; only the final envelope and the ``LPUSH`` to the
queue's list are done here, on the process's asyncio Redis client. ``tests/runtime/worker/test_publish.py``
checks the envelope against kombu's own; every Redis-backed worker test runs tasks sent this way.

The embedded broker (a SQLite file) keeps Celery's ``send_task``.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from celery.utils.nodenames import anon_nodename
from kombu import serialization
from redis.asyncio import Redis

from runtime.worker.app import RUN_TASK
from runtime.worker.config import WorkerConfig


class RedisRunPublisher:
    """Puts run deliveries on the queue of ``config`` (its Redis broker, with its namespace's key prefix)."""

    def __init__(self, celery: Any, config: WorkerConfig) -> None:
        if not config.redis_url:
            raise ValueError("RedisRunPublisher needs a Redis broker (REDIS_URL)")
        self.celery = celery
        self.config = config
        self.key = config.queue_key
        self._redis = Redis.from_url(config.redis_url)
        self._origin = anon_nodename()  # this process's node name, as Celery stamps on what it sends

    def message(self, run_id: str, task_id: str) -> str:
        """The JSON envelope kombu's Redis transport would push for ``send_task(RUN_TASK, args=[run_id])``."""
        # ignore_result=None, as send_task sends it: the worker then goes by the task's own setting (ignored).
        # The reprs and the origin are the ones Celery would compute (a run id's repr is never shortened); given,
        # they cost no saferepr per message.
        task = self.celery.amqp.as_task_v2(task_id, RUN_TASK, args=[run_id], kwargs={}, ignore_result=None,
                                           argsrepr=repr([run_id]), kwargsrepr="{}", origin=self._origin)
        content_type, content_encoding, body = serialization.dumps(task.body, serializer="json")
        if isinstance(body, str):
            body = body.encode(content_encoding or "utf-8")
        properties = {
            **task.properties,
            "delivery_mode": 2,  # persistent
            "delivery_info": {"exchange": "", "routing_key": self.config.queue},  # the anonymous exchange
            "priority": 0,
            "body_encoding": "base64",
            "delivery_tag": str(uuid.uuid4()),
        }
        return json.dumps({"body": base64.b64encode(body).decode("ascii"), "content-encoding": content_encoding,
                           "content-type": content_type, "headers": task.headers, "properties": properties})

    async def send(self, run_id: str, task_id: str) -> None:
        await self._redis.lpush(self.key, self.message(run_id, task_id))

    async def close(self) -> None:
        await self._redis.aclose()
