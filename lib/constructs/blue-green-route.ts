import { Construct } from "constructs";
import { invalidProps, notAConstruct } from "./errors";
import { buildRouteRequest } from "../model/blue-green";
import { blueGreenRoutePropsSchema, SYNTH_TIME_PROPS } from "../model/props-schemas";
import type { RouteMatch } from "../model/specs";
import { propProblems } from "./check-props";
import { BlueGreenService } from "./blue-green-service";
import type { IGatewayObject } from "./gateway-connection";
import { type AdoptProps, GatewayObject } from "./gateway-object";
import { routeView } from "../model/object-view";

const BLUE_GREEN_ROUTE_SYMBOL = Symbol.for("cdktf-apisix-bluegreen/BlueGreenRoute");

/** Properties of a BlueGreenRoute. */
export interface BlueGreenRouteProps extends RouteMatch, AdoptProps {
  /** The blue-green service the route sends its traffic to; the route follows the service's flips. */
  readonly service: BlueGreenService;
}

/**
 * A route bound to a BlueGreenService (child `Resource`). It carries no plugins of its own, so a flip of the service
 * moves it along with every other route of the service, in one write.
 */
export class BlueGreenRoute extends Construct {
  /** Whether `x` is a BlueGreenRoute. */
  public static isBlueGreenRoute(x: unknown): x is BlueGreenRoute {
    return typeof x === "object" && x !== null && BLUE_GREEN_ROUTE_SYMBOL in x;
  }

  /** Admin API id of the route. */
  public readonly routeId: string;
  /** The service the route sends its traffic to. */
  public readonly service: BlueGreenService;
  /** The route object. */
  public readonly resource: IGatewayObject;

  constructor(scope: Construct, id: string, props: BlueGreenRouteProps) {
    super(scope, id);
    Object.defineProperty(this, BLUE_GREEN_ROUTE_SYMBOL, { value: true });

    if (!BlueGreenService.isBlueGreenService(props.service)) {
      throw notAConstruct(this.node.path, "service", "BlueGreenService", props.service);
    }
    const { service, ...rest } = props;
    const gateway = service.gateway;
    const problems = propProblems(blueGreenRoutePropsSchema(gateway.flavor), rest, SYNTH_TIME_PROPS.blueGreenRoute);
    if (problems.length > 0) throw invalidProps(this.node.path, problems);

    const { adopt, ...match } = rest;
    this.routeId = match.routeId;
    this.service = service;
    gateway._claim("route", match.routeId, this);

    const request = buildRouteRequest({
      ...match,
      placement: gateway.placement,
      owner: gateway.owner,
      serviceId: service.serviceId,
    });
    this.resource = new GatewayObject(this, "Resource", {
      gateway,
      kind: "routes",
      request,
      view: routeView(match.routeId, request.body),
      adopt,
      dependsOn: [service.resource],
    });
  }
}
