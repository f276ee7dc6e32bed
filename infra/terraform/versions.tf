terraform {
  required_version = ">= 1.5"

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.31"
    }
  }
}

# Used as a root module (`terraform apply` in this folder) the provider reads a kubeconfig. To call this folder
# as a child module, remove this block and pass a configured provider from the caller instead.
provider "kubernetes" {
  config_path    = var.kubeconfig_path
  config_context = var.kube_context
}
