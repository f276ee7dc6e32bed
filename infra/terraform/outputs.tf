output "namespace" {
  description = "Namespace the platform runs in."
  value       = local.namespace
}

output "secret_name" {
  description = "Name of the Secret holding DATABASE_URL, REDIS_URL, JWT_SECRET_KEY, SECRETS_KEY and extra_secrets."
  value       = kubernetes_secret_v1.lcnc.metadata[0].name
}

output "url" {
  description = "Public URL of the web editor (and of the API under /api/<service>/)."
  value       = "${var.tls_secret_name == null ? "http" : "https"}://${var.host}"
}

output "gateway_url" {
  description = "In-cluster URL of the gateway role, one address for every /api/<service>/ route."
  value       = "http://gateway.${local.namespace}.svc.cluster.local:8000"
}

output "migration_job_name" {
  description = "Name of the migration Job of this image tag (kubectl logs job/NAME shows alembic's output)."
  value       = local.migration_job_name
}

output "manifests" {
  description = "Every object applied from infra/k8s, as kind/name."
  value = sort(concat(
    [for doc in kubernetes_manifest.support : "${doc.manifest.kind}/${doc.manifest.metadata.name}"],
    [for doc in kubernetes_manifest.platform : "${doc.manifest.kind}/${doc.manifest.metadata.name}"],
    ["Job/${local.migration_job_name}"],
  ))
}
