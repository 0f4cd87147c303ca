/**
 * The `bluegreen` Terraform provider: the native engine of GatewayConnection({ engine: "provider" }), also usable
 * from plain HCL. Three resource types, one per Admin API collection; the provider block's optional `gateway` says
 * where `terraform import` reads (an import id is a bare Admin API id).
 */
import type { ProviderDefinition } from "./protocol/provider-definition";
import { objectResource } from "./resources/object-resource";
import { gatewayOf } from "./resources/object-attributes";
import { messageOf } from "../bluegreen-error";
import { PROVIDER_TYPE } from "./provider-address";

export const bluegreenProvider: ProviderDefinition = {
  name: PROVIDER_TYPE,
  providerSchema: {
    version: 0,
    description: "Blue-green and canary releases on Apache APISIX and API7 Enterprise gateways.",
    attributes: {
      gateway: {
        type: "string",
        optional: true,
        description:
          "JSON of the Admin API target that `terraform import` reads from (the resources' own gateway attribute " +
          "is used for everything else).",
      },
    },
  },
  configure(config) {
    if (config.gateway === null || config.gateway === undefined || typeof config.gateway !== "string") return [];
    try {
      gatewayOf(config);
      return [];
    } catch (error) {
      return [{ severity: "error", summary: messageOf(error), attribute: ["gateway"] }];
    }
  },
  resources: [objectResource("upstreams"), objectResource("services"), objectResource("routes")],
};
