"""Follow a Deployment's rollout: its conditions and replica counts, its pods' states and their Warning events."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from builder.deploy.errors import RolloutFailed, RolloutTimeout
from builder.deploy.kube import Kube, Ref

Emit = Callable[[dict[str, Any]], None]
# Container states that do not heal by waiting; reported at once and fatal after FATAL_AFTER seconds.
BAD_WAITING = {"ImagePullBackOff", "ErrImagePull", "CrashLoopBackOff", "CreateContainerConfigError",
               "CreateContainerError", "InvalidImageName", "RunContainerError"}
FATAL_AFTER = 60.0


@dataclass
class RolloutStatus:
    desired: int
    replicas: int
    updated: int
    ready: int
    available: int
    unavailable: int
    observed: bool
    message: str

    @property
    def complete(self) -> bool:
        return (self.observed and self.updated >= self.desired and self.available >= self.desired
                and self.replicas <= self.updated and self.unavailable == 0)

    def as_event(self) -> dict[str, Any]:
        return {"type": "rollout_progress", "desired": self.desired, "replicas": self.replicas,
                "updated": self.updated, "ready": self.ready, "available": self.available,
                "message": self.message}


def read_status(deployment: dict[str, Any]) -> RolloutStatus:
    spec, status = deployment.get("spec") or {}, deployment.get("status") or {}
    generation = (deployment.get("metadata") or {}).get("generation")
    observed = status.get("observedGeneration")
    desired = int(spec.get("replicas", 1))
    updated = int(status.get("updatedReplicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    message = (f"{updated} of {desired} updated replicas, {available} available"
               if observed is not None else "waiting for the deployment controller")
    return RolloutStatus(
        desired=desired, replicas=int(status.get("replicas") or 0), updated=updated,
        ready=int(status.get("readyReplicas") or 0), available=available,
        unavailable=int(status.get("unavailableReplicas") or 0),
        observed=observed is not None and (generation is None or int(observed) >= int(generation)),
        message=message)


def condition_failure(deployment: dict[str, Any]) -> str | None:
    """The reason a Deployment's conditions say it will not finish, if any."""
    for cond in (deployment.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            return f"progress deadline exceeded: {cond.get('message', '')}".strip()
        if cond.get("type") == "ReplicaFailure" and cond.get("status") == "True":
            return f"replica failure ({cond.get('reason', '')}): {cond.get('message', '')}"
    return None


class RolloutFollower:
    def __init__(self, kube: Kube, namespace: str, name: str, *, pod_labels: dict[str, str], emit: Emit,
                 timeout: float = 600.0, poll: float = 1.0, stop: threading.Event | None = None) -> None:
        self.kube, self.namespace, self.name = kube, namespace, name
        self.pod_labels, self.emit = pod_labels, emit
        self.timeout, self.poll = timeout, poll
        self.stop = stop or threading.Event()
        self._last: tuple[Any, ...] | None = None
        self._pod_states: dict[str, str] = {}
        self._bad_since: dict[str, float] = {}
        self._events_seen: set[str] = set()

    def follow(self) -> RolloutStatus:
        """Return when the rollout completes; RolloutFailed / RolloutTimeout otherwise."""
        ref = Ref("apps/v1", "Deployment", self.name, self.namespace)
        deadline = time.monotonic() + self.timeout
        while True:
            deployment = self.kube.get(ref)
            if deployment is None:
                raise RolloutFailed(f"Deployment/{self.name} disappeared during the rollout")
            status = read_status(deployment)
            key = (status.desired, status.replicas, status.updated, status.ready, status.available, status.observed)
            if key != self._last:
                self._last = key
                self.emit(status.as_event())
            failure = condition_failure(deployment)
            if failure:
                raise RolloutFailed(f"Deployment/{self.name}: {failure}", details={"rollout": status.as_event()})
            self._watch_pods()
            self._watch_events()
            if status.complete:
                return status
            if time.monotonic() > deadline:
                raise RolloutTimeout(
                    f"Deployment/{self.name} did not finish rolling out within {self.timeout:.0f}s: {status.message}",
                    details={"rollout": status.as_event()})
            if self.stop.wait(self.poll):
                raise RolloutFailed("the rollout follow was stopped (the platform is shutting down)")

    def _watch_pods(self) -> None:
        now = time.monotonic()
        for pod in self.kube.list("v1", "Pod", self.namespace, labels=self.pod_labels):
            name = (pod.get("metadata") or {}).get("name", "?")
            state, reason, message = _pod_state(pod)
            if self._pod_states.get(name) != state:
                self._pod_states[name] = state
                self.emit({"type": "pod_status", "pod": name, "phase": (pod.get("status") or {}).get("phase"),
                           "reason": reason, "message": message})
            if reason in BAD_WAITING:
                since = self._bad_since.setdefault(name, now)
                if now - since >= min(FATAL_AFTER, self.timeout / 2):
                    raise RolloutFailed(f"pod {name}: {reason}: {message}".rstrip(": "),
                                        details={"pod": name, "reason": reason})
            else:
                self._bad_since.pop(name, None)

    def _watch_events(self) -> None:
        for event in self.kube.list("v1", "Event", self.namespace):
            involved = event.get("involvedObject") or {}
            subject = str(involved.get("name", ""))
            # The Deployment, its ReplicaSets and their pods (named <deployment>-<hash>[-<suffix>]).
            if event.get("type") != "Warning" or not (subject == self.name or subject.startswith(f"{self.name}-")):
                continue
            meta = event.get("metadata") or {}
            key = f"{meta.get('uid') or meta.get('name')}:{event.get('count', 1)}"
            if key in self._events_seen:
                continue
            self._events_seen.add(key)
            self.emit({"type": "k8s_event", "reason": event.get("reason"), "message": event.get("message"),
                       "object": f"{involved.get('kind', '')}/{involved.get('name', '')}"})


def _pod_state(pod: dict[str, Any]) -> tuple[str, str | None, str | None]:
    status = pod.get("status") or {}
    for container in status.get("containerStatuses") or []:
        waiting = (container.get("state") or {}).get("waiting")
        if waiting:
            return f"waiting:{waiting.get('reason')}", waiting.get("reason"), waiting.get("message")
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
    phase = status.get("phase") or "Pending"
    return f"{phase}:{ready}", "Ready" if ready else None, None
