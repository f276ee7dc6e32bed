"""The worker's Redis transport: kombu's, with one client per channel for the channel's own commands.

A message taken without acknowledgement sits in the unacked index; acknowledging it removes it (both go through
the kept client); the client is built again once the channel's connection pool is replaced.
"""

from __future__ import annotations

import redis

from runtime.worker.app import create_celery, enqueue
from runtime.worker.config import WorkerConfig
from runtime.worker.transport import Channel
from tests.runtime.worker.harness import REDIS_URL


def test_a_channel_keeps_one_client_per_pool(queue_config: WorkerConfig) -> None:
    celery = create_celery(queue_config)
    with celery.connection_for_read() as connection:
        channel = connection.default_channel
        assert isinstance(channel, Channel)
        first = channel._create_client()
        assert channel._create_client() is first
        assert channel._create_client(asynchronous=True) is not first  # the consume loop's own, as kombu's
        channel._disconnect_pools()  # what kombu does after a fork or a lost connection
        again = channel._create_client()
        assert again is not first and again.connection_pool is channel.pool
    celery.close()


def test_a_delivery_is_taken_held_unacked_and_acknowledged(queue_config: WorkerConfig) -> None:
    celery = create_celery(queue_config)
    enqueue(celery, queue_config, "b" * 32, task_id="task-2")
    unacked = f"{queue_config.namespace}:unacked"
    direct = redis.Redis.from_url(REDIS_URL)
    try:
        with celery.connection_for_read() as connection:
            channel = connection.default_channel
            message = channel.basic_get(queue_config.queue, no_ack=False)
            assert message is not None and message.headers["id"] == "task-2"
            assert direct.hlen(unacked) == 1  # held until acknowledged: a lost worker's message comes back
            message.ack()
            assert direct.hlen(unacked) == 0
            assert channel.basic_get(queue_config.queue, no_ack=False) is None
    finally:
        direct.close()
        celery.close()
