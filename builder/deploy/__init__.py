"""Deploy: a saved graph version becomes a running service on a Kubernetes cluster.

``plan.build_plan`` turns codegen's rendered project into this deployment's objects (runner image + code
ConfigMaps by default, or a Kaniko build); ``engine.Engine`` applies them with the official ``kubernetes``
client (create or patch, owner first), follows the rollout and reverts a failed attempt; ``service`` runs that
for the API, ``cli`` for `lcnc deploy`.
"""

from builder.deploy.engine import DeployResult, Engine
from builder.deploy.errors import DeployError
from builder.deploy.kube import Kube
from builder.deploy.plan import Plan, build_plan
from builder.deploy.preflight import ConnectionReport, check_connection

__all__ = ["ConnectionReport", "DeployError", "DeployResult", "Engine", "Kube", "Plan", "build_plan",
           "check_connection"]
