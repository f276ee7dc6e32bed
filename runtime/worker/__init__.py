"""Durable runs on Celery: one task per run, executed with the platform DB checkpointer."""

from runtime.worker.app import RUN_TASK, Sweeper, create_celery, enqueue, revoke, start_worker
from runtime.worker.config import WorkerConfig

__all__ = ["RUN_TASK", "Sweeper", "WorkerConfig", "create_celery", "enqueue", "revoke", "start_worker"]
