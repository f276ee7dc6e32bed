"""The deploy engine against the kmock emulator: real HTTP, the real kubernetes client, the real manifests."""

from __future__ import annotations

import pytest
from kmock import KubernetesError

from builder.deploy.engine import Engine
from builder.deploy.errors import (
    ApplyRejected,
    ClusterUnreachable,
    CredentialsRejected,
    NamespaceMissing,
    ObjectConflict,
    PermissionDenied,
    QuotaExceeded,
    RolloutFailed,
    RolloutTimeout,
)
from builder.deploy.kube import Kube
from builder.deploy.plan import DEPLOYMENT_LABEL, owner_name
from tests.builder.deploy.conftest import validate_strict
from tests.builder.deploy.emulator import Emulator, rejects
from tests.builder.deploy.helpers import DEPLOYMENT_ID, make_plan, ready, spec_of, without_server_fields

NS = "apps"


def engine(kube: Kube, events: list | None = None, **kwargs) -> Engine:
    return Engine(kube, emit=(events.append if events is not None else None), poll=0.02,
                  rollout_timeout=kwargs.pop("rollout_timeout", 10), **kwargs)


def kinds(objects: dict) -> list[tuple[str, str]]:
    return sorted(objects)


def test_first_deploy_creates_exactly_the_rendered_objects(emulator: Emulator, kube: Kube) -> None:
    plan = make_plan()
    events: list[dict] = []
    ready(emulator, NS, plan.app_name)
    result = engine(kube, events).deploy(plan)

    stored = emulator.objects(NS)
    assert kinds(stored) == sorted((o["kind"], o["metadata"]["name"]) for o in plan.manifests())
    owner = stored[("ConfigMap", owner_name(DEPLOYMENT_ID))]
    for sent in result.sent:
        live = stored[(sent["kind"], sent["metadata"]["name"])]
        assert without_server_fields(live) == sent  # exactly what was rendered, plus labels / owner refs
        labels = live["metadata"]["labels"]
        assert labels[DEPLOYMENT_LABEL] == DEPLOYMENT_ID
        assert labels["lcnc.dev/graph-id"] == "linear_transform" and labels["lcnc.dev/graph-version"] == "1"
        assert labels["app.kubernetes.io/managed-by"] == "lcnc"
        if sent is not result.sent[0]:
            assert live["metadata"]["ownerReferences"] == [{
                "apiVersion": "v1", "kind": "ConfigMap", "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"], "blockOwnerDeletion": False}]
        validate_strict(sent)
    deployment = stored[("Deployment", plan.app_name)]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "ghcr.io/lcnc/runner:0.1.0"
    assert {"name": "app-code", "mountPath": "/srv/app", "readOnly": True} in container["volumeMounts"]
    assert result.rollout is not None and result.rollout.complete
    types = [e["type"] for e in events]
    assert types[:2] == ["deploy_started", "preflight"] and types[-1] == "deploy_succeeded"
    assert types.count("object_applied") == len(plan.manifests())
    progress = [e for e in events if e["type"] == "rollout_progress"]
    assert [(p["updated"], p["available"]) for p in progress][-2:] == [(1, 1), (2, 2)]
    assert events[-1]["url"] == f"http://{plan.app_name}.apps.svc.cluster.local"


def test_preflight_reports_what_the_emulator_cannot_check(emulator: Emulator, kube: Kube) -> None:
    events: list[dict] = []
    plan = make_plan()
    ready(emulator, NS, plan.app_name)
    engine(kube, events).deploy(plan)
    preflight = next(e for e in events if e["type"] == "preflight")
    statuses = {c["name"]: c["status"] for c in preflight["checks"]}
    assert statuses == {"server": "ok", "namespace": "ok", "permissions": "skipped"}
    skipped = next(c for c in preflight["checks"] if c["status"] == "skipped")
    assert "SelfSubjectAccessReview" in skipped["message"]


def test_redeploy_is_a_rolling_update_and_prunes_the_old_code(emulator: Emulator, kube: Kube) -> None:
    v1 = make_plan()
    ready(emulator, NS, v1.app_name)
    engine(kube).deploy(v1)
    before = emulator.objects(NS)
    uid = before[("Deployment", v1.app_name)]["metadata"]["uid"]

    v2 = make_plan(spec_of(template="Hi there, {{ data }}!"), version=2)
    assert v2.bundle.digest != v1.bundle.digest
    events: list[dict] = []
    ready(emulator, NS, v2.app_name, version=2)
    result = engine(kube, events).deploy(v2)

    after = emulator.objects(NS)
    deployment = after[("Deployment", v2.app_name)]
    assert deployment["metadata"]["uid"] == uid  # patched in place: Kubernetes rolls the pods
    assert deployment["metadata"]["generation"] == 2
    assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    assert deployment["spec"]["template"]["metadata"]["annotations"]["lcnc.dev/code-digest"] == v2.bundle.digest
    assert ("ConfigMap", v2.bundle.configmaps[0]["metadata"]["name"]) in after
    assert ("ConfigMap", v1.bundle.configmaps[0]["metadata"]["name"]) not in after  # pruned after the rollout
    assert result.pruned == [f"ConfigMap/{v1.bundle.configmaps[0]['metadata']['name']}"]
    actions = {(e["kind"], e["action"]) for e in events if e["type"] == "object_applied"}
    # every object is patched (its graph-version label changes); only the new code ConfigMap is created
    assert ("Deployment", "configured") in actions and ("Service", "configured") in actions
    assert [e["name"] for e in events if e["type"] == "object_applied" and e["action"] == "created"] == [
        v2.bundle.configmaps[0]["metadata"]["name"]]
    assert kinds(after) == sorted((o["kind"], o["metadata"]["name"]) for o in v2.manifests())


def test_rollback_to_the_previous_version_restores_it(emulator: Emulator, kube: Kube) -> None:
    v1, v2 = make_plan(), make_plan(spec_of(template="Hi there, {{ data }}!"), version=2)
    for plan, version in ((v1, 1), (v2, 2)):
        ready(emulator, NS, plan.app_name, version=version)
        engine(kube).deploy(plan)
    again = make_plan(version=1)
    ready(emulator, NS, again.app_name, version=1)
    result = engine(kube).deploy(again)
    stored = emulator.objects(NS)
    assert kinds(stored) == sorted((o["kind"], o["metadata"]["name"]) for o in v1.manifests())
    for sent in result.sent:
        assert without_server_fields(stored[(sent["kind"], sent["metadata"]["name"])]) == sent


def test_undeploy_leaves_nothing_behind(emulator: Emulator, kube: Kube) -> None:
    emulator.put("ConfigMap", NS, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "not-ours"}})
    plan = make_plan()
    ready(emulator, NS, plan.app_name)
    engine(kube).deploy(plan)
    deleted = engine(kube).undeploy(NS, DEPLOYMENT_ID)
    assert sorted(deleted) == sorted(f"{o['kind']}/{o['metadata']['name']}" for o in plan.manifests())
    assert deleted[-1] == f"ConfigMap/{owner_name(DEPLOYMENT_ID)}"  # the owner goes last
    assert kinds(emulator.objects(NS)) == [("ConfigMap", "not-ours")]
    assert engine(kube).undeploy(NS, DEPLOYMENT_ID) == []  # idempotent


@pytest.mark.parametrize(("method", "kind", "error", "expected"), [
    ("POST", "Ingress", KubernetesError(status=403, reason="Forbidden", message='ingresses.networking.k8s.io is '
                                        'forbidden: User "ci" cannot create resource "ingresses"'), PermissionDenied),
    ("POST", "Deployment", KubernetesError(status=403, reason="Forbidden", message='deployments.apps "x" is '
                                           "forbidden: exceeded quota: compute, requested: limits.cpu=1"),
     QuotaExceeded),
    ("POST", "Service", KubernetesError(status=409, reason="AlreadyExists", message="already exists"), ObjectConflict),
    ("POST", "HorizontalPodAutoscaler", KubernetesError(status=422, reason="Invalid", message="spec.maxReplicas: "
                                                        "Invalid value"), ApplyRejected),
])
def test_a_failed_first_deploy_leaves_nothing(emulator: Emulator, kube: Kube, method, kind, error, expected) -> None:
    emulator.reject(rejects(method, kind), error)
    events: list[dict] = []
    with pytest.raises(expected) as caught:
        engine(kube, events).deploy(make_plan())
    assert emulator.objects(NS) == {}
    assert caught.value.details["reverted"]  # what was applied was deleted again
    assert caught.value.details["revert_errors"] == []
    assert error.message in caught.value.message
    failed = events[-1]
    assert failed["type"] == "deploy_failed" and failed["code"] == expected.code


def test_a_failed_redeploy_restores_the_previous_version(emulator: Emulator, kube: Kube) -> None:
    v1 = make_plan()
    ready(emulator, NS, v1.app_name)
    engine(kube).deploy(v1)
    before = {key: without_server_fields(obj) for key, obj in emulator.objects(NS).items()}

    emulator.reject(rejects("PATCH", "Ingress"), KubernetesError(status=403, reason="Forbidden",
                                                                 message="admission webhook denied the request"))
    v2 = make_plan(spec_of(template="Hi there, {{ data }}!"), version=2, host="hello.example.org")
    with pytest.raises(PermissionDenied):
        engine(kube).deploy(v2)
    after = {key: without_server_fields(obj) for key, obj in emulator.objects(NS).items()}
    assert after == before


def test_an_object_of_someone_else_is_a_conflict_before_anything_is_applied(emulator: Emulator, kube: Kube) -> None:
    plan = make_plan()
    emulator.put("Service", NS, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": plan.app_name},
                                 "spec": {"ports": [{"port": 80}]}})
    with pytest.raises(ObjectConflict, match="managed by something other than lcnc"):
        engine(kube).deploy(plan)
    assert kinds(emulator.objects(NS)) == [("Service", plan.app_name)]
    assert emulator.writes() == []


def test_a_missing_namespace_fails_before_anything_is_applied(emulator: Emulator, kube: Kube) -> None:
    with pytest.raises(NamespaceMissing, match="namespace 'nowhere' does not exist"):
        engine(kube).deploy(make_plan(namespace="nowhere"))
    assert emulator.objects() == {} and emulator.writes() == []


def test_a_namespace_without_permission_fails_before_anything_is_applied() -> None:
    emu = Emulator(namespaces={"apps"}, denied={("create", "deployments"), ("patch", "deployments")}).start()
    try:
        client, _ = Kube.from_kubeconfig(emu.kubeconfig(), timeout=5)
        with client, pytest.raises(PermissionDenied) as caught:
            engine(client).deploy(make_plan())
        assert "may not create deployments.apps in namespace 'apps'" in caught.value.message
        assert "nothing was applied" in caught.value.message
        assert emu.objects() == {} and emu.writes() == []
    finally:
        emu.stop()


def test_rejected_credentials_fail_before_anything_is_applied() -> None:
    emu = Emulator(namespaces={"apps"}, token="the-right-one").start()
    try:
        client, _ = Kube.from_kubeconfig(emu.kubeconfig(token="an-old-one"), timeout=5)
        with client, pytest.raises(CredentialsRejected, match="rejected the credentials"):
            engine(client).deploy(make_plan())
        assert emu.objects() == {} and emu.writes() == []
    finally:
        emu.stop()


def test_an_unreachable_api_server_is_reported() -> None:
    emu = Emulator().start()
    config = emu.kubeconfig()
    emu.stop()  # nothing listens on that port any more
    client, _ = Kube.from_kubeconfig(config, timeout=2)
    with client, pytest.raises(ClusterUnreachable, match="cannot reach the Kubernetes API server"):
        engine(client).deploy(make_plan())


def test_a_crash_looping_pod_fails_the_rollout_and_reverts(emulator: Emulator, kube: Kube) -> None:
    plan = make_plan()
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": f"{plan.app_name}-7d9f-abcde",
                        "labels": {"app.kubernetes.io/name": plan.app_name, DEPLOYMENT_LABEL: DEPLOYMENT_ID}},
           "status": {"phase": "Pending", "containerStatuses": [{"name": "app", "state": {"waiting": {
               "reason": "ImagePullBackOff", "message": 'Back-off pulling image "ghcr.io/lcnc/runner:0.1.0"'}}}]}}
    emulator.put("Pod", NS, pod)
    emulator.put("Event", NS, {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e1", "uid": "e1"},
                               "type": "Warning", "reason": "Failed", "message": "Failed to pull image",
                               "involvedObject": {"kind": "Pod", "name": pod["metadata"]["name"]}})
    events: list[dict] = []
    with pytest.raises(RolloutFailed, match="ImagePullBackOff"):
        engine(kube, events, rollout_timeout=0.5).deploy(plan)
    assert {k for k in emulator.objects(NS)} == {("Pod", pod["metadata"]["name"]), ("Event", "e1")}
    assert any(e["type"] == "pod_status" and e["reason"] == "ImagePullBackOff" for e in events)
    assert any(e["type"] == "k8s_event" and e["message"] == "Failed to pull image" for e in events)


def test_a_progress_deadline_fails_the_rollout(emulator: Emulator, kube: Kube) -> None:
    plan = make_plan()

    def stuck() -> None:
        import time

        for _ in range(200):
            if ("Deployment", plan.app_name) in emulator.objects(NS):
                break
            time.sleep(0.02)
        emulator.patch("Deployment", NS, plan.app_name, {"status": {"observedGeneration": 1, "conditions": [{
            "type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
            "message": 'ReplicaSet "x" has timed out progressing.'}]}})

    import threading

    threading.Thread(target=stuck, daemon=True).start()
    with pytest.raises(RolloutFailed, match="progress deadline exceeded"):
        engine(kube).deploy(plan)
    assert emulator.objects(NS) == {}


def test_a_rollout_that_never_finishes_times_out(emulator: Emulator, kube: Kube) -> None:
    with pytest.raises(RolloutTimeout, match="did not finish rolling out within"):
        engine(kube, rollout_timeout=0.3).deploy(make_plan())
    assert emulator.objects(NS) == {}


def test_no_wait_applies_without_following(emulator: Emulator, kube: Kube) -> None:
    plan = make_plan()
    result = engine(kube).deploy(plan, wait=False)
    assert result.rollout is None
    assert len(emulator.objects(NS)) == len(plan.manifests())


def kaniko_plan(version: int = 1):
    return make_plan(version=version, strategy="kaniko", registry="registry.example.org/lcnc",
                     registry_secret="push-creds")


def test_kaniko_builds_the_image_in_the_cluster_then_deploys_it(emulator: Emulator, kube: Kube) -> None:
    plan = kaniko_plan()
    job = next(o for o in plan.build if o["kind"] == "Job")
    for manifest in plan.manifests():
        validate_strict(manifest)

    def controllers() -> None:
        import time

        for _ in range(500):
            if ("Job", job["metadata"]["name"]) in emulator.objects(NS):
                break
            time.sleep(0.02)
        emulator.patch("Job", NS, job["metadata"]["name"], {"status": {"succeeded": 1, "conditions": [
            {"type": "Complete", "status": "True"}]}})

    import threading

    threading.Thread(target=controllers, daemon=True).start()
    ready(emulator, NS, plan.app_name)
    events: list[dict] = []
    engine(kube, events).deploy(plan)
    stored = emulator.objects(NS)
    deployment = stored[("Deployment", plan.app_name)]
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == plan.image and image.startswith("registry.example.org/lcnc/linear-transform:")
    assert "volumes" not in deployment["spec"]["template"]["spec"] or all(
        v["name"] != "app-code" for v in deployment["spec"]["template"]["spec"]["volumes"])
    args = stored[("Job", job["metadata"]["name"])]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert f"--destination={plan.image}" in args
    types = [e["type"] for e in events]
    assert types.index("build_finished") < types.index("rollout_started")
    assert sorted(stored) == sorted((o["kind"], o["metadata"]["name"]) for o in plan.manifests())
    engine(kube).undeploy(NS, DEPLOYMENT_ID)
    assert emulator.objects(NS) == {}


def test_a_failed_build_deploys_nothing(emulator: Emulator, kube: Kube) -> None:
    from builder.deploy.errors import BuildFailed

    plan = kaniko_plan()
    job = next(o for o in plan.build if o["kind"] == "Job")

    def fail() -> None:
        import time

        for _ in range(500):
            if ("Job", job["metadata"]["name"]) in emulator.objects(NS):
                break
            time.sleep(0.02)
        emulator.patch("Job", NS, job["metadata"]["name"], {"status": {"failed": 2, "conditions": [
            {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
             "message": "Job has reached the specified backoff limit"}]}})

    import threading

    threading.Thread(target=fail, daemon=True).start()
    with pytest.raises(BuildFailed, match="BackoffLimitExceeded"):
        engine(kube).deploy(plan)
    assert emulator.objects(NS) == {}
