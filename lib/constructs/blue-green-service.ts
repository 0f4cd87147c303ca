import { Construct } from "constructs";
import { Annotations, Fn } from "../cdk";
import { invalidProps, notAConstruct, releaseWithoutProxyUrl } from "./errors";
import { buildServiceRequests } from "../model/blue-green";
import { blueGreenServicePropsSchema, SYNTH_TIME_PROPS } from "../model/props-schemas";
import {
  activeColor,
  type BlueGreenServiceOptions,
  type Color,
  COLORS,
  type HealthCheckSpec,
  type NodeSpec,
  type PreviewSpec,
  type ReleaseAnalysisSpec,
  type ReleaseCheckSpec,
  type ReleaseSpec,
  type UpstreamSpec,
} from "../model/specs";
import { appendContentHash, UPSTREAM_HASH_LENGTH } from "../model/upstream-ids";
import { propProblems } from "./check-props";
import { GatewayConnection, type IGatewayObject } from "./gateway-connection";
import { type AdoptProps, GatewayObject } from "./gateway-object";
import { containsTokens } from "./tokens";
import { serviceView, upstreamView } from "../model/object-view";

const BLUE_GREEN_SERVICE_SYMBOL = Symbol.for("cdktf-apisix-bluegreen/BlueGreenService");

/** One backend node of a color. */
export interface BlueGreenNodeProps extends NodeSpec {}

/** One color (blue or green) of a service: its nodes and how to reach them. */
export interface BlueGreenUpstreamProps extends UpstreamSpec {}

/** Header-based preview: lets testers reach either color whatever is active. */
export interface BlueGreenPreviewProps extends PreviewSpec {}

/** The health gate of the service write: `GET path` on every node that will take traffic must answer `expectStatus`. */
export interface BlueGreenHealthCheckProps extends HealthCheckSpec {}

/** A verified release of the service's writes: preview checks, steps, checks, analysis and automatic restore. */
export interface BlueGreenReleaseProps extends ReleaseSpec {}

/** One check of a verified release, sent through the gateway's `proxyUrl`. */
export interface BlueGreenReleaseCheckProps extends ReleaseCheckSpec {}

/** The analysis of real traffic during a verified release, from the gateways' Prometheus metrics. */
export interface BlueGreenReleaseAnalysisProps extends ReleaseAnalysisSpec {}

/** Properties of a BlueGreenService. */
export interface BlueGreenServiceProps extends BlueGreenServiceOptions, AdoptProps {
  /** The gateway the service is written to. */
  readonly gateway: GatewayConnection;
}

/**
 * A service with two colors and a traffic-split that sends all (or `100 - canaryPercent` %) of the traffic to the
 * active color. On APISIX each color is a stored upstream (`<id>-blue-<hash>`, `<id>-green-<hash>`, children `Blue`
 * and `Green`) whose id follows its content, so changed nodes go to a new object that takes no traffic until the
 * (health-gated) service write points at it, and the sweep deletes the old one; on API7 EE blue is the service's
 * upstream and green is inline in the traffic-split. The service object is the child `Resource`.
 */
export class BlueGreenService extends Construct {
  /** Whether `x` is a BlueGreenService. */
  public static isBlueGreenService(x: unknown): x is BlueGreenService {
    return typeof x === "object" && x !== null && BLUE_GREEN_SERVICE_SYMBOL in x;
  }

  /** Admin API id of the service. */
  public readonly serviceId: string;
  /** The gateway the service is written to. */
  public readonly gateway: GatewayConnection;
  /** The color that receives live traffic. */
  public readonly active: Color;
  /** The service object. */
  public readonly resource: IGatewayObject;
  /** The stored upstream objects (APISIX only; absent for a retired color). */
  public readonly upstreams: Partial<Record<Color, IGatewayObject>>;

  constructor(scope: Construct, id: string, props: BlueGreenServiceProps) {
    super(scope, id);
    Object.defineProperty(this, BLUE_GREEN_SERVICE_SYMBOL, { value: true });

    if (!GatewayConnection.isGatewayConnection(props.gateway)) {
      throw notAConstruct(this.node.path, "gateway", "GatewayConnection", props.gateway);
    }
    const { gateway, ...rest } = props;
    const problems = propProblems(blueGreenServicePropsSchema, rest, SYNTH_TIME_PROPS.blueGreenService);
    if (problems.length > 0) throw invalidProps(this.node.path, problems);
    const { adopt, ...options } = rest;
    if (options.release !== undefined && gateway.proxyUrl === undefined) throw releaseWithoutProxyUrl(this.node.path, gateway.node.path);

    this.gateway = gateway;
    this.serviceId = options.serviceId;
    this.active = activeColor(options);
    gateway._claim("service", options.serviceId, this);

    if (props.retireIdle === true) {
      const ignored = [
        props.preview !== undefined ? "preview" : undefined,
        props.canaryPercent !== undefined && props.canaryPercent !== 0 ? "canaryPercent" : undefined,
      ].filter((x): x is string => x !== undefined);
      if (ignored.length > 0) {
        Annotations.of(this).addWarning(
          `${ignored.join(" and ")} ignored while retireIdle is true: all traffic goes to ${this.active}`,
        );
      }
    }

    const spec = { ...options, placement: gateway.placement, owner: gateway.owner, active: this.active, proxyUrl: gateway.proxyUrl };
    const requests = buildServiceRequests(spec, { appendUpstreamHash });

    const upstreams: Partial<Record<Color, GatewayObject>> = {};
    for (const [color, childId] of [["blue", "Blue"], ["green", "Green"]] as const) {
      const request = requests.upstreams[color];
      if (request !== undefined) {
        const view = upstreamView(upstreamIdOf(request.path), color, request.body);
        upstreams[color] = new GatewayObject(this, childId, { gateway, kind: "upstreams", request, adopt, view });
      }
    }
    this.upstreams = upstreams;
    this.resource = new GatewayObject(this, "Resource", {
      gateway,
      kind: "services",
      request: requests.service,
      view: serviceView(
        options.serviceId,
        // an upstream id hashed from a token names its color only in Terraform: read the colors from a token-free twin
        containsTokens(requests.service.body) ? buildServiceRequests(spec).service.body : requests.service.body,
        gateway.flavor,
        props.retireIdle === true ? [this.active] : COLORS,
      ),
      adopt,
      dependsOn: Object.values(upstreams),
      healthCheck: requests.healthCheck,
      release: requests.release,
    });
  }
}

/** The id at the end of an upstream's Admin API path; Terraform takes it when the path holds a token. */
function upstreamIdOf(path: string): string {
  return containsTokens(path) ? Fn.basename(path) : path.split("?")[0].split("/").pop()!;
}

/**
 * `text` (an APISIX upstream id or path) followed by the content hash of the upstream's fields: computed at synth, or
 * by Terraform (`join("", [text, substr(sha256(jsonencode(fields)), 0, 8)])`, one expression, as cdktf cannot nest a
 * function inside a string inside another function) when the fields hold values known only at apply, so that a
 * changed value still gives a new upstream object.
 */
function appendUpstreamHash(text: string, fields: Record<string, unknown>): string {
  if (!containsTokens(fields)) return appendContentHash(text, fields);
  return Fn.join("", [text, Fn.substr(Fn.sha256(Fn.jsonencode(fields)), 0, UPSTREAM_HASH_LENGTH)]);
}
