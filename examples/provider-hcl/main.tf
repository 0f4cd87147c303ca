# The bluegreen Terraform provider without cdktf: one blue-green service on a plain APISIX gateway.
#
#   npx bluegreen provider install .      # lays the provider into ./terraform.d/plugins (no registry)
#   export GATEWAY_ADMIN_KEY=...          # the admin key: only its variable's NAME is in this file
#   terraform init && terraform apply -var admin_url=http://127.0.0.1:9180
#
# Upstream ids follow <service id>-<color>-<8 hex digits>: the provider reads the service's active color and traffic from them.
# A flip is `-var active=green`: an in-place update of bluegreen_service.checkout (0 to add, 1 to change).

terraform {
  required_providers {
    bluegreen = {
      source  = "cdktf-apisix-bluegreen.invalid/local/bluegreen"
      version = "0.1.0" # the version of the cdktf-apisix-bluegreen package that installed it
    }
  }
}

variable "admin_url" {
  type    = string
  default = "http://127.0.0.1:9180"
}
variable "active" {
  type    = string
  default = "blue"
}
variable "blue_port" {
  type    = number
  default = 1980
}
variable "green_port" {
  type    = number
  default = 1981
}

locals {
  owner = "provider-hcl-example"
  gateway = jsonencode({
    admin_url     = var.admin_url
    flavor        = "apisix"
    admin_key_env = "GATEWAY_ADMIN_KEY"
  })
  labels  = { "managed-by" = "cdktf-apisix-bluegreen", "bluegreen-owner" = local.owner }
  weights = { blue = var.active == "blue" ? 100 : 0, green = var.active == "green" ? 100 : 0 }
}

# import the provider's `gateway` from the resources' target so `terraform import` knows where to read
provider "bluegreen" {
  gateway = local.gateway
}

# one upstream per color, each on its own port
resource "bluegreen_upstream" "color" {
  for_each  = { blue = var.blue_port, green = var.green_port }
  object_id = "checkout-${each.key}-00000001"
  gateway   = local.gateway
  owner     = local.owner
  body = jsonencode({
    type   = "roundrobin"
    nodes  = [{ host = "127.0.0.1", port = each.value, weight = 1 }]
    labels = local.labels
  })
}

resource "bluegreen_service" "checkout" {
  object_id = "checkout"
  gateway   = local.gateway
  owner     = local.owner
  body = jsonencode({
    name        = "checkout"
    upstream_id = bluegreen_upstream.color["blue"].object_id
    labels      = local.labels
    plugins = {
      "traffic-split" = {
        rules = [{
          weighted_upstreams = [
            { upstream_id = bluegreen_upstream.color["green"].object_id, weight = local.weights.green },
            { weight = local.weights.blue },
          ]
        }]
      }
    }
  })
  depends_on = [bluegreen_upstream.color]
}

resource "bluegreen_route" "checkout" {
  object_id  = "checkout"
  gateway    = local.gateway
  owner      = local.owner
  body       = jsonencode({ name = "checkout", uris = ["/checkout/*"], service_id = bluegreen_service.checkout.object_id, labels = local.labels })
  depends_on = [bluegreen_service.checkout]
}

output "traffic" {
  value = bluegreen_service.checkout.traffic
}
