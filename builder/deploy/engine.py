"""Apply a plan (create or patch, owner first), follow the rollout, revert a failed attempt, undeploy.

A failed attempt (refused apply, failed rollout) is reverted: objects it created are deleted, objects it patched
get their previous state back, so the cluster holds the previous deployment or nothing, never half of one.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from builder.deploy.errors import BuildFailed, DeployError, ObjectConflict
from builder.deploy.kaniko import job_state
from builder.deploy.kube import Kube, Ref
from builder.deploy.plan import DEPLOYMENT_LABEL, KIND_ORDER, Plan, owner_name, set_owner
from builder.deploy.preflight import ConnectionReport, check_connection
from builder.deploy.rollout import RolloutFollower, RolloutStatus

Emit = Callable[[dict[str, Any]], None]
KIND_API = {"Secret": "v1", "ConfigMap": "v1", "Service": "v1", "Deployment": "apps/v1",
            "HorizontalPodAutoscaler": "autoscaling/v2", "PodDisruptionBudget": "policy/v1",
            "Ingress": "networking.k8s.io/v1", "Job": "batch/v1"}
# Fields of a live object that the API server or controllers own: never part of a patch or a revert.
_SPEC_KEYS = ("spec", "data", "binaryData", "type", "immutable")


@dataclass
class Applied:
    ref: Ref
    action: str  # created | configured | unchanged
    before: dict[str, Any] | None = None


@dataclass
class DeployResult:
    plan: Plan
    applied: list[Applied] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    rollout: RolloutStatus | None = None
    pruned: list[str] = field(default_factory=list)
    preflight: ConnectionReport | None = None

    @property
    def url(self) -> str:
        return self.plan.url


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Engine:
    def __init__(self, kube: Kube, *, emit: Emit | None = None, rollout_timeout: float = 600.0,
                 poll: float = 1.0, stop: threading.Event | None = None) -> None:
        self.kube = kube
        self._emit = emit
        self.rollout_timeout, self.poll = rollout_timeout, poll
        self.stop = stop or threading.Event()

    def emit(self, event: dict[str, Any]) -> None:
        if self._emit is not None:
            self._emit({"ts": _now(), **event})

    # --- deploy ----------------------------------------------------------------------------------------------

    def deploy(self, plan: Plan, *, wait: bool = True, revert_on_failure: bool = True,
               preflight: ConnectionReport | None = None) -> DeployResult:
        """Preflight (unless its ``preflight`` report is given), apply every object, follow the rollout
        (``wait``), prune what the new version dropped. A failure reverts this attempt and raises."""
        result = DeployResult(plan=plan)
        self.emit({"type": "deploy_started", "graph_id": plan.graph_id, "graph_version": plan.graph_version,
                   "namespace": plan.namespace, "name": plan.app_name, "objects": len(plan.manifests())})
        result.preflight = preflight or check_connection(self.kube, plan.namespace, raise_on_failure=True)
        self.emit({"type": "preflight", **result.preflight.as_dict()})
        live = self._live_state(plan)
        try:
            owner = self._apply(plan.owner, live[Ref.of(plan.owner)], plan, result)
            if plan.build:
                for obj in plan.build:
                    set_owner(obj, owner)
                    self._apply(obj, live[Ref.of(obj)], plan, result)
                self._follow_build(plan)
            for obj in plan.objects:
                set_owner(obj, owner)
                self._apply(obj, live[Ref.of(obj)], plan, result)
            if wait:
                result.rollout = self._follow(plan)
        except DeployError as exc:
            reverted, errors = self._revert(result.applied) if revert_on_failure else ([], [])
            exc.details.update({"reverted": reverted, "revert_errors": errors,
                                "applied": [f"{a.ref}" for a in result.applied if a.action != "unchanged"]})
            self.emit({"type": "deploy_failed", "error": exc.message, "code": exc.code, "reverted": reverted,
                       "revert_errors": errors})
            raise
        result.pruned = self._prune(plan, live, keep_previous_code=not wait)
        self.emit({"type": "deploy_succeeded", "url": plan.url, "internal_url": plan.internal_url,
                   "rolled_out": wait})
        return result

    def _live_state(self, plan: Plan) -> dict[Ref, dict[str, Any] | None]:
        """Every planned object as it is now; ObjectConflict when one exists and belongs to someone else."""
        live: dict[Ref, dict[str, Any] | None] = {}
        for obj in plan.manifests():
            ref = Ref.of(obj)
            current = self.kube.get(ref)
            if current is not None:
                owner = ((current.get("metadata") or {}).get("labels") or {}).get(DEPLOYMENT_LABEL)
                if owner != plan.deployment_id:
                    by = f"lcnc deployment {owner}" if owner else "something other than lcnc"
                    raise ObjectConflict(
                        f"{ref} already exists in namespace '{plan.namespace}' and is managed by {by}; "
                        "choose another name or namespace (nothing was applied)",
                        details={"object": str(ref), "managed_by": owner})
            live[ref] = current
        return live

    def _apply(self, obj: dict[str, Any], live: dict[str, Any] | None, plan: Plan,
               result: DeployResult) -> dict[str, Any]:
        ref = Ref.of(obj)
        result.sent.append(copy.deepcopy(obj))
        if live is None:
            created = self.kube.create(obj, plan.namespace)
            result.applied.append(Applied(ref, "created"))
            self.emit({"type": "object_applied", "kind": ref.kind, "name": ref.name, "action": "created"})
            return created or obj
        patch = desired_patch(obj, live, hpa_owns_replicas=_has_hpa(plan, ref.name))
        if merge(live, patch) == live:
            result.applied.append(Applied(ref, "unchanged", live))
            self.emit({"type": "object_applied", "kind": ref.kind, "name": ref.name, "action": "unchanged"})
            return live
        patched = self.kube.patch(ref, patch)
        result.applied.append(Applied(ref, "configured", live))
        self.emit({"type": "object_applied", "kind": ref.kind, "name": ref.name, "action": "configured"})
        return patched or live

    def _follow(self, plan: Plan) -> RolloutStatus:
        deployment = next(o for o in plan.objects if o["kind"] == "Deployment")
        selector = dict(deployment["spec"]["selector"].get("matchLabels") or {})
        selector[DEPLOYMENT_LABEL] = plan.deployment_id
        self.emit({"type": "rollout_started", "deployment": plan.app_name})
        follower = RolloutFollower(self.kube, plan.namespace, plan.app_name, pod_labels=selector, emit=self.emit,
                                   timeout=self.rollout_timeout, poll=self.poll, stop=self.stop)
        status = follower.follow()
        self.emit({**status.as_event(), "type": "rollout_finished", "deployment": plan.app_name})
        return status

    def _follow_build(self, plan: Plan) -> None:
        """Wait for the Kaniko Job to push the image (BuildFailed when it fails or takes too long)."""
        job = next(o for o in plan.build if o["kind"] == "Job")
        ref = Ref.of(job)
        self.emit({"type": "build_started", "job": ref.name, "image": plan.image})
        deadline = time.monotonic() + self.rollout_timeout
        last = ""
        while True:
            live = self.kube.get(ref)
            state, message = job_state(live or {})
            if message != last:
                last = message
                self.emit({"type": "build_progress", "job": ref.name, "state": state, "message": message})
            if state == "succeeded":
                self.emit({"type": "build_finished", "job": ref.name, "image": plan.image})
                return
            if state == "failed" or live is None:
                raise BuildFailed(f"Job/{ref.name}: the image build failed: {message if live else 'job deleted'}")
            if time.monotonic() > deadline:
                raise BuildFailed(f"Job/{ref.name}: the image build did not finish within "
                                  f"{self.rollout_timeout:.0f}s ({message})")
            if self.stop.wait(self.poll):
                raise BuildFailed("the build follow was stopped (the platform is shutting down)")

    def _revert(self, applied: list[Applied]) -> tuple[list[str], list[str]]:
        reverted, errors = [], []
        for item in reversed(applied):
            try:
                if item.action == "created":
                    self.kube.delete(item.ref)
                elif item.action == "configured" and item.before is not None:
                    current = self.kube.get(item.ref)
                    if current is None:
                        self.kube.create(_restorable(item.before), item.ref.namespace)
                    else:
                        self.kube.patch(item.ref, restore_patch(current, item.before))
                else:
                    continue
            except DeployError as exc:
                errors.append(f"{item.ref}: {exc.message}")
                continue
            reverted.append(f"{item.ref}")
            self.emit({"type": "object_reverted", "kind": item.ref.kind, "name": item.ref.name,
                       "action": "deleted" if item.action == "created" else "restored"})
        return reverted, errors

    def _prune(self, plan: Plan, live: dict[Ref, dict[str, Any] | None], *, keep_previous_code: bool) -> list[str]:
        """Delete this deployment's objects the plan no longer has (old code ConfigMaps, a dropped Ingress)."""
        wanted = {Ref.of(o) for o in plan.manifests()}
        keep: set[str] = set()
        if keep_previous_code:  # pods of the previous version may still mount it while the rollout goes on
            previous = next((v for r, v in live.items() if r.kind == "Deployment" and v), None)
            for volume in ((((previous or {}).get("spec") or {}).get("template") or {}).get("spec") or {}).get(
                    "volumes") or []:
                for source in (volume.get("projected") or {}).get("sources") or []:
                    keep.add(str((source.get("configMap") or {}).get("name")))
        pruned = []
        for obj in self.owned(plan.namespace, plan.deployment_id):
            ref = Ref.of(obj, plan.namespace)
            if ref in wanted or (ref.kind == "ConfigMap" and ref.name in keep):
                continue
            try:
                self.kube.delete(ref)
            except DeployError as exc:  # the deploy succeeded; a leftover is reported, not fatal
                self.emit({"type": "prune_failed", "kind": ref.kind, "name": ref.name, "error": exc.message})
                continue
            pruned.append(str(ref))
            self.emit({"type": "object_deleted", "kind": ref.kind, "name": ref.name, "reason": "pruned"})
        return pruned

    # --- undeploy --------------------------------------------------------------------------------------------

    def owned(self, namespace: str, deployment_id: str) -> list[dict[str, Any]]:
        """Every object labelled with this deployment id, in apply order (owner ConfigMap included)."""
        found = []
        for kind in (*KIND_ORDER, "Job"):
            found.extend(self.kube.list(KIND_API[kind], kind, namespace, labels={DEPLOYMENT_LABEL: deployment_id}))
        return found

    def undeploy(self, namespace: str, deployment_id: str) -> list[str]:
        """Delete every object of the deployment, the owner last (a real cluster's GC would follow it anyway)."""
        self.emit({"type": "undeploy_started", "namespace": namespace})
        owner = owner_name(deployment_id)
        deleted = []
        objects = [o for o in self.owned(namespace, deployment_id) if o["metadata"]["name"] != owner]
        for obj in reversed(objects):
            ref = Ref.of(obj, namespace)
            if self.kube.delete(ref):
                deleted.append(str(ref))
                self.emit({"type": "object_deleted", "kind": ref.kind, "name": ref.name, "reason": "undeploy"})
        if self.kube.delete(Ref("v1", "ConfigMap", owner, namespace)):
            deleted.append(f"ConfigMap/{owner}")
            self.emit({"type": "object_deleted", "kind": "ConfigMap", "name": owner, "reason": "undeploy"})
        self.emit({"type": "undeploy_finished", "deleted": deleted})
        return deleted


# --- merge patches -------------------------------------------------------------------------------------------


def merge(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch applied to ``target`` (a new value)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge(result.get(key), value)
    return result


def diff(current: Any, target: Any) -> Any:
    """The merge patch that turns ``current`` into ``target``."""
    if not isinstance(current, dict) or not isinstance(target, dict):
        return copy.deepcopy(target)
    patch: dict[str, Any] = {}
    for key in current.keys() - target.keys():
        patch[key] = None
    for key, value in target.items():
        if key not in current:
            patch[key] = copy.deepcopy(value)
        elif current[key] != value:
            sub = diff(current[key], value)
            if sub != {} or not isinstance(value, dict):
                patch[key] = sub
    return patch


def _managed(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata") or {}
    kept = {"metadata": {k: meta[k] for k in ("labels", "annotations", "ownerReferences") if k in meta}}
    kept.update({k: obj[k] for k in _SPEC_KEYS if k in obj})
    return copy.deepcopy(kept)


def desired_patch(obj: dict[str, Any], live: dict[str, Any], *, hpa_owns_replicas: bool) -> dict[str, Any]:
    """The merge patch that applies ``obj`` over ``live``: lists replaced, dropped ConfigMap/Secret keys removed."""
    patch = copy.deepcopy(obj)
    for key in ("data", "binaryData"):
        for name in set(live.get(key) or {}) - set(obj.get(key) or {}):
            patch.setdefault(key, {})[name] = None
    if hpa_owns_replicas and obj.get("kind") == "Deployment":
        patch.get("spec", {}).pop("replicas", None)  # the HPA owns the replica count of a running deployment
    return patch


def restore_patch(current: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """The merge patch that gives ``current`` back the managed fields it had in ``before``."""
    return diff(_managed(current), _managed(before))


def _restorable(before: dict[str, Any]) -> dict[str, Any]:
    obj = {"apiVersion": before["apiVersion"], "kind": before["kind"], **_managed(before)}
    obj["metadata"]["name"] = before["metadata"]["name"]
    obj["metadata"]["namespace"] = before["metadata"].get("namespace")
    return obj


def _has_hpa(plan: Plan, name: str) -> bool:
    return any(o["kind"] == "HorizontalPodAutoscaler" and o["spec"]["scaleTargetRef"].get("name") == name
               for o in plan.objects)
