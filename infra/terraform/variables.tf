# ---- cluster ------------------------------------------------------------------------------------------------

variable "kubeconfig_path" {
  description = "Path of the kubeconfig used to reach the cluster."
  type        = string
  default     = "~/.kube/config"
}

variable "kube_context" {
  description = "kubeconfig context to use; null uses the current context."
  type        = string
  default     = null
}

variable "namespace" {
  description = "Namespace the platform is installed in."
  type        = string
  default     = "lcnc"
}

variable "create_namespace" {
  description = "Create the namespace (false: it exists already and is managed elsewhere)."
  type        = bool
  default     = true
}

# ---- images and routing -------------------------------------------------------------------------------------

variable "image" {
  description = "Repository of the platform image (the Dockerfile's default target), without tag."
  type        = string
  default     = "registry.example.com/lcnc/lcnc"
}

variable "web_image" {
  description = "Repository of the web editor image (the Dockerfile's `web` target), without tag."
  type        = string
  default     = "registry.example.com/lcnc/lcnc-web"
}

variable "image_tag" {
  description = "Tag of both images; a new tag also runs a new migration Job."
  type        = string
  default     = "0.1.0"
}

variable "host" {
  description = "Public host name the Ingress answers on."
  type        = string
  default     = "lcnc.example.com"
}

variable "ingress_class_name" {
  description = "IngressClass of the cluster's ingress controller (the manifests' annotations are ingress-nginx's)."
  type        = string
  default     = "nginx"
}

variable "tls_secret_name" {
  description = "Secret holding the TLS certificate of `host` (e.g. made by cert-manager); null serves plain HTTP."
  type        = string
  default     = null
}

# ---- secrets (land in the Secret lcnc-secrets; never in the manifests) --------------------------------------

variable "database_url" {
  description = "DATABASE_URL: PostgreSQL URL of the platform database, e.g. postgresql://lcnc:PASSWORD@db:5432/lcnc."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^postgres(ql)?(\\+[a-z0-9]+)?://", var.database_url))
    error_message = "database_url must be a PostgreSQL URL (postgresql://...)."
  }
}

variable "redis_url" {
  description = "REDIS_URL: Redis for the Celery broker and run events, e.g. redis://redis:6379/0."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^rediss?://", var.redis_url))
    error_message = "redis_url must start with redis:// or rediss://."
  }
}

variable "jwt_secret_key" {
  description = "JWT_SECRET_KEY: signing key of access tokens, 32 characters or more (openssl rand -hex 32)."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.jwt_secret_key) >= 32
    error_message = "jwt_secret_key must be at least 32 characters."
  }
}

variable "secrets_key" {
  description = "SECRETS_KEY: key that encrypts the secrets users store in the platform (openssl rand -hex 32)."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.secrets_key) >= 32
    error_message = "secrets_key must be at least 32 characters."
  }
}

variable "extra_secrets" {
  description = "More keys for lcnc-secrets (e.g. provider API keys that graphs name as secrets)."
  type        = map(string)
  default     = {}
  sensitive   = true
}

# ---- settings and scale -------------------------------------------------------------------------------------

variable "config_overrides" {
  description = "Values merged into the lcnc-config ConfigMap (keys are Settings names, e.g. UVICORN_WORKERS)."
  type        = map(string)
  default     = {}
}

variable "gateway_min_replicas" {
  description = "Gateway HPA lower bound (the seed: 2)."
  type        = number
  default     = 2
}

variable "gateway_max_replicas" {
  description = "Gateway HPA upper bound (the seed: 10)."
  type        = number
  default     = 10
}

variable "worker_min_replicas" {
  description = "Celery worker HPA lower bound."
  type        = number
  default     = 2
}

variable "worker_max_replicas" {
  description = "Celery worker HPA upper bound."
  type        = number
  default     = 20
}

variable "deploy_observability" {
  description = "Install the OpenTelemetry Collector, Jaeger and Prometheus of infra/k8s/observability."
  type        = bool
  default     = true
}

variable "migration_timeout" {
  description = "How long Terraform waits for the migration Job (alembic upgrade head) before failing."
  type        = string
  default     = "10m"
}
