# The lcnc platform on a Kubernetes cluster: namespace, the Secret from variables, and the manifests of
# infra/k8s (the same files the kustomize base uses), with images, host, scale and settings from variables.
# Order: namespace and Secret -> ConfigMaps and observability -> migration Job (waited for) -> roles and workers.

locals {
  k8s_dir = "${path.module}/../k8s"

  # The first group needs nothing else; the platform group waits for the migration Job.
  support_dirs  = concat(["configmaps"], var.deploy_observability ? ["observability"] : [])
  platform_dirs = ["deployments", "services", "hpa", "ingress"]

  support_files = concat(["base/serviceaccount.yaml"], flatten([
    for dir in local.support_dirs : [
      for file in sort(fileset("${local.k8s_dir}/${dir}", "*.yaml")) : "${dir}/${file}" if file != "kustomization.yaml"
    ]
  ]))
  platform_files = flatten([
    for dir in local.platform_dirs : [
      for file in sort(fileset("${local.k8s_dir}/${dir}", "*.yaml")) : "${dir}/${file}" if file != "kustomization.yaml"
    ]
  ])

  namespace = var.create_namespace ? kubernetes_namespace_v1.lcnc[0].metadata[0].name : var.namespace

  # Text-level substitutions of the base's placeholders (each occurs only where it is meant).
  substitutions = {
    "image: lcnc:latest"     = "image: ${var.image}:${var.image_tag}"
    "image: lcnc-web:latest" = "image: ${var.web_image}:${var.image_tag}"
    "host: lcnc.example.com" = "host: ${var.host}"
  }

  decoded = {
    for file in concat(local.support_files, local.platform_files, ["jobs/migrate.yaml"]) :
    file => yamldecode(
      replace(
        replace(
          replace(file("${local.k8s_dir}/${file}"), "image: lcnc:latest", local.substitutions["image: lcnc:latest"]),
          "image: lcnc-web:latest", local.substitutions["image: lcnc-web:latest"]
        ),
        "host: lcnc.example.com", local.substitutions["host: lcnc.example.com"]
      )
    )
  }

  # Every object in the namespace; RoleBinding subjects too (kustomize does the same).
  namespaced = {
    for file, doc in local.decoded : file => merge(
      doc,
      { metadata = merge(doc.metadata, { namespace = local.namespace }) },
      { for key, value in { subjects = [for s in try(doc.subjects, []) : merge(s, { namespace = local.namespace })] } :
      key => value if doc.kind == "RoleBinding" },
    )
  }

  # Settings and scale from variables.
  overrides = {
    "configmaps/lcnc-config.yaml" = {
      data = merge(local.namespaced["configmaps/lcnc-config.yaml"].data, var.config_overrides)
    }
    "hpa/gateway.yaml" = {
      spec = merge(local.namespaced["hpa/gateway.yaml"].spec, {
        minReplicas = var.gateway_min_replicas
        maxReplicas = var.gateway_max_replicas
      })
    }
    "hpa/worker.yaml" = {
      spec = merge(local.namespaced["hpa/worker.yaml"].spec, {
        minReplicas = var.worker_min_replicas
        maxReplicas = var.worker_max_replicas
      })
    }
    "ingress/ingress.yaml" = {
      spec = merge(
        local.namespaced["ingress/ingress.yaml"].spec,
        { ingressClassName = var.ingress_class_name },
        var.tls_secret_name == null ? {} : { tls = [{ hosts = [var.host], secretName = var.tls_secret_name }] },
      )
    }
  }

  manifests = {
    for file, doc in local.namespaced : file => merge(doc, lookup(local.overrides, file, {}))
  }

  # A new image tag is a new release: a new Job name makes Terraform run the migrations again.
  migration_job_name = "lcnc-migrate-${substr(sha1(var.image_tag), 0, 8)}"
}

resource "kubernetes_namespace_v1" "lcnc" {
  count = var.create_namespace ? 1 : 0

  metadata {
    name = var.namespace
    labels = {
      "app.kubernetes.io/part-of" = "lcnc"
    }
  }
}

resource "kubernetes_secret_v1" "lcnc" {
  metadata {
    name      = "lcnc-secrets"
    namespace = local.namespace
    labels = {
      "app.kubernetes.io/name"    = "lcnc"
      "app.kubernetes.io/part-of" = "lcnc"
    }
  }

  type = "Opaque"
  data = merge(var.extra_secrets, {
    DATABASE_URL   = var.database_url
    REDIS_URL      = var.redis_url
    JWT_SECRET_KEY = var.jwt_secret_key
    SECRETS_KEY    = var.secrets_key
  })
}

resource "kubernetes_manifest" "support" {
  for_each = { for file in local.support_files : file => local.manifests[file] }

  manifest = each.value

  depends_on = [kubernetes_secret_v1.lcnc]
}

# The pre-start step: alembic upgrade head, waited for before any role or worker is (re)deployed.
resource "kubernetes_manifest" "migrate" {
  manifest = merge(local.manifests["jobs/migrate.yaml"], {
    metadata = merge(local.manifests["jobs/migrate.yaml"].metadata, { name = local.migration_job_name })
  })

  wait {
    condition {
      type   = "Complete"
      status = "True"
    }
  }

  timeouts {
    create = var.migration_timeout
    update = var.migration_timeout
  }

  depends_on = [kubernetes_manifest.support]
}

resource "kubernetes_manifest" "platform" {
  for_each = { for file in local.platform_files : file => local.manifests[file] }

  manifest = each.value

  # The HPAs own the replica counts once they exist.
  computed_fields = ["spec.replicas"]

  depends_on = [kubernetes_manifest.migrate]
}
