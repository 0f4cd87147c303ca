import { Construct, type IConstruct } from "constructs";
import { Annotations, Lazy, type TerraformResource, TerraformStack, Token } from "../cdk";
import { duplicateObjectId, duplicateOwner, invalidProps, otherStack } from "./errors";
import type { GatewayPlacement } from "../model/blue-green";
import {
  type Flavor,
  type GatewayTarget,
  type ObjectRequest,
  type SweepRequest,
} from "../model/gateway-request";
import { hookCommand } from "../model/hook-command";
import { gatewayTarget, sweepRequest, teardownRequest } from "../model/hook-input";
import { DEFAULT_ENGINE, type Engine, gatewayConnectionPropsSchema, SYNTH_TIME_PROPS } from "../model/props-schemas";
import { BluegreenProvider } from "./provider-resource";
import { propProblems } from "./check-props";
import { layCaFile } from "./ca-file";
import { defaultOwner } from "./default-owner";
import { stackHookFile } from "./hook-bundle";
import { hookProvisioner, inputHash } from "./hook-resource";
import { TerraformData, addTerraformVersionCheck } from "./terraform-data";

const GATEWAY_CONNECTION_SYMBOL = Symbol.for("cdktf-apisix-bluegreen/GatewayConnection");

/** TLS settings for the Admin API connection. */
export interface GatewayTlsProps {
  /**
   * Do not verify the gateway's certificate, like `curl -k`.
   *
   * @default false
   */
  readonly insecureSkipVerify?: boolean;
  /**
   * PEM file with the CA that signed the gateway's certificate; a relative path is resolved against the project (the
   * nearest folder at or above the working directory of the synth that holds cdktf.json). Synthesis lays the file
   * into the stack folder, where the hooks read it, so the folder deploys wherever it is copied.
   *
   * @default - the system's trusted CAs
   */
  readonly caFile?: string;
}

/** Properties of a GatewayConnection. */
export interface GatewayConnectionProps {
  /** Base URL of the Admin API, e.g. `https://localhost:7443` or `http://127.0.0.1:9180` (no path). */
  readonly adminUrl: string;
  /**
   * Which Admin API the gateway speaks.
   *
   * @default "apisix"
   */
  readonly flavor?: Flavor;
  /**
   * API7 EE gateway group the objects are published to; required on api7-ee, refused on apisix.
   *
   * @default - none (apisix)
   */
  readonly gatewayGroupId?: string;
  /**
   * Name of the environment variable that holds the admin key when Terraform runs the hooks. Only the name is
   * synthesized; the key itself never reaches `cdk.tf.json`, the plan or the state.
   *
   * @default "GATEWAY_ADMIN_KEY"
   */
  readonly adminKeyEnv?: string;
  /**
   * TLS settings for an `https` admin URL.
   *
   * @default - verify against the system's trusted CAs
   */
  readonly tls?: GatewayTlsProps;
  /**
   * Value of the `bluegreen-owner` label on every object of this connection (1 to 256 characters without
   * whitespace). The sweep only ever deletes objects carrying it, so two connections to one gateway must use
   * different owners.
   *
   * @default - `<package name>/<stack id>`: the `name` of the nearest package.json at or above the working directory
   * of the synth, then the stack id (characters other than letters, digits and `._~@/-` become `-`)
   */
  readonly owner?: string;
  /**
   * Timeout of one Admin API request made by a hook.
   *
   * @default 10000
   */
  readonly requestTimeoutMs?: number;
  /**
   * Total time a hook (or the sweep) may spend on failing Admin API calls (connection errors, 5xx and 429: the
   * failed attempts and the backoff between them), over all of its requests, before it fails.
   *
   * @default 30000
   */
  readonly retryBudgetMs?: number;
  /**
   * Where requests to the routes go (the data plane), e.g. `http://127.0.0.1:9080`; on API7 EE the gateway group's
   * data-plane address. Needed by services with `release`, whose checks are sent through it.
   *
   * @default - none (services on this connection cannot use `release`)
   */
  readonly proxyUrl?: string;
  /**
   * How Terraform writes the objects. `"hooks"`: `terraform_data` resources whose provisioners run the
   * `bluegreen hook` (every change is a replacement; a connection-wide sweep deletes undeclared objects). `"provider"`:
   * resources of this package's own Terraform provider (`bluegreen_upstream`, `bluegreen_service`,
   * `bluegreen_route`), which synthesis lays into the stack folder: plans read the gateway (drift shows as an update
   * back), a flip is an in-place update, existing objects can be imported, and removing a construct deletes its
   * object. Everything else about the constructs is the same; see the README for switching an existing stack.
   *
   * @default "hooks"
   */
  readonly engine?: Engine;
}

/** One Admin API object of a service or route (the sweep keeps its path and runs after its resource). */
export interface IGatewayObject extends IConstruct {
  /** Admin API path of the object (with query on API7 EE). */
  readonly objectPath: string;
  /** The object's resource: a `terraform_data` whose hooks write and delete it, or a `bluegreen_<kind>` resource. */
  readonly resource: TerraformResource;
  /** The hook's input: the request, as synthesized (into a Terraform local; the resource's `input` is a view). */
  readonly request: ObjectRequest;
}

/** Connections already defined in an app, per gateway and owner, so two of them never sweep each other. */
const OWNERS = new WeakMap<IConstruct, Map<string, { path: string; adminUrl: string }>>();

/**
 * Where and how the hooks reach one gateway's Admin API, plus the sweep that deletes this owner's objects that are
 * no longer declared (renamed or removed routes and services, retired upstreams).
 *
 * The sweep is a `terraform_data` (child id `Sweep`) that depends on every object of the connection and is replaced
 * whenever the set of declared object paths changes.
 *
 * The teardown is a `terraform_data` (child id `Teardown`) that every object depends on: created before any of them,
 * destroyed after all of them. Its only hook runs at `cdktf destroy` and deletes every object of this owner (routes,
 * then services, then upstreams), so destroy leaves nothing behind even when an object's own destroy hook never runs
 * (Terraform skips it for an object tainted by a failed or interrupted create). Its input holds only the owner, the
 * target and the construct path, so deploys update it in place and never replace it.
 */
export class GatewayConnection extends Construct {
  /** Whether `x` is a GatewayConnection. */
  public static isGatewayConnection(x: unknown): x is GatewayConnection {
    return typeof x === "object" && x !== null && GATEWAY_CONNECTION_SYMBOL in x;
  }

  /** Base URL of the Admin API, without trailing slash. */
  public readonly adminUrl: string;
  /** Which Admin API the gateway speaks. */
  public readonly flavor: Flavor;
  /** API7 EE gateway group id (undefined on apisix). */
  public readonly gatewayGroupId?: string;
  /** Name of the environment variable read for the admin key. */
  public readonly adminKeyEnv: string;
  /** Value of the `bluegreen-owner` label. */
  public readonly owner: string;
  /**
   * The owner label that releases before `<package name>/<stack id>` wrote by default (the bare stack id), set only
   * when `owner` is defaulted: the hooks take over objects carrying it without `adopt`.
   */
  public readonly legacyOwner?: string;
  /** Where requests to the routes go (the data plane), when given. */
  public readonly proxyUrl?: string;
  /** Where this connection's objects go (flavor and gateway group), as the model takes it. */
  public readonly placement: GatewayPlacement;
  /** The `gateway` block of every input of this connection. */
  public readonly target: GatewayTarget;
  /** How Terraform writes this connection's objects. */
  public readonly engine: Engine;
  /** The sweep resource: deletes this owner's objects that are no longer declared (hooks engine only). */
  public readonly sweep?: TerraformResource;
  /** The teardown resource: deletes every object of this owner at destroy (hooks engine only). */
  public readonly teardown?: TerraformResource;
  /** The `bluegreen` provider block the objects use (provider engine only). */
  public readonly provider?: BluegreenProvider;

  private readonly objects: IGatewayObject[] = [];
  private readonly claims = new Map<string, string>();

  constructor(scope: Construct, id: string, props: GatewayConnectionProps) {
    super(scope, id);
    Object.defineProperty(this, GATEWAY_CONNECTION_SYMBOL, { value: true });

    const derived = props.owner === undefined ? defaultOwner(TerraformStack.of(this).node.id) : undefined;
    // a given owner, even an invalid one (null from JavaScript), is checked as given
    const owner = derived === undefined ? props.owner : derived.owner;
    const problems = [
      ...(derived?.problem !== undefined ? [`owner cannot be defaulted: ${derived.problem}; set owner explicitly`] : []),
      ...propProblems(gatewayConnectionPropsSchema, { ...props, owner }, SYNTH_TIME_PROPS.gatewayConnection),
    ];
    if (problems.length > 0 || owner === undefined) throw invalidProps(this.node.path, problems);

    const caFile = props.tls?.caFile === undefined ? undefined : layCaFile(this, props.tls.caFile);
    this.target = gatewayTarget(caFile === undefined ? props : { ...props, tls: { ...props.tls, caFile } });
    this.adminUrl = this.target.admin_url;
    this.flavor = this.target.flavor;
    this.gatewayGroupId = this.target.gateway_group_id;
    this.adminKeyEnv = this.target.admin_key_env;
    this.owner = owner;
    this.proxyUrl = props.proxyUrl;
    this.legacyOwner = derived?.legacyOwner;
    this.placement = { flavor: this.flavor, gatewayGroupId: this.gatewayGroupId };

    this.engine = props.engine ?? DEFAULT_ENGINE;
    this.claimOwner();
    this.warnAboutTransport(props.tls);
    if (this.engine === "provider") {
      // Terraform deletes removed objects itself and destroys in dependency order: no sweep, no teardown
      this.provider = new BluegreenProvider(this, "Provider", this.target, providerAlias(this));
      return;
    }

    const hookFile = stackHookFile(this);
    const keep = Lazy.listValue({ produce: () => this.keep() });
    const input: SweepRequest = sweepRequest(owner, [], this.target, this.node.path, this.legacyOwner);
    // one `terraform version` check per connection, instead of cdktf's DataResource's one per resource
    addTerraformVersionCheck(this);
    this.sweep = new TerraformData(this, "Sweep", {
      input: { ...input, keep },
      triggersReplace: {
        request_sha256: Lazy.stringValue({
          // by Terraform when a path holds a value known only at apply (an upstream id hashed from a token)
          produce: () => inputHash(sweepRequest(owner, this.keep(), this.target, this.node.path, this.legacyOwner)),
        }),
      },
      provisioners: [hookProvisioner(hookCommand("sweep", hookFile), input)],
    });
    const teardown = teardownRequest(owner, this.target, this.node.path, this.legacyOwner);
    this.teardown = new TerraformData(this, "Teardown", {
      input: teardown,
      // a replacement (e.g. `-replace`) then never runs the destroy hook: only a real destroy deletes everything
      lifecycle: { createBeforeDestroy: true },
      provisioners: [hookProvisioner(hookCommand("teardown", hookFile), teardown, { when: "destroy" })],
    });
    this.sweep.dependsOn = Lazy.listValue({
      produce: () => this.objects.map((o) => `${o.resource.terraformResourceType}.${o.resource.friendlyUniqueId}`),
    });
  }

  /** Admin API paths of every object this connection declares, sorted. */
  public keep(): string[] {
    return [...new Set(this.objects.map((o) => o.objectPath))].sort();
  }

  /**
   * Reserves an object id on this gateway; throws when another construct already declared it.
   *
   * @internal
   */
  public _claim(kind: "service" | "route", id: string, claimant: IConstruct): void {
    if (Token.isUnresolved(id)) return;
    const key = `${kind}:${id}`;
    const other = this.claims.get(key);
    if (other !== undefined) throw duplicateObjectId(claimant.node.path, kind, id, this.node.path, other);
    this.claims.set(key, claimant.node.path);
  }

  /**
   * Adds an object to the sweep's `keep` list and `depends_on`.
   *
   * @internal
   */
  public _registerObject(object: IGatewayObject): void {
    if (TerraformStack.of(object) !== TerraformStack.of(this)) throw otherStack(object.node.scope!.node.path, this.node.path);
    this.objects.push(object);
  }

  private claimOwner(): void {
    if ([this.adminUrl, this.gatewayGroupId, this.owner].some((v) => Token.isUnresolved(v))) return;
    const root = this.node.root;
    let owners = OWNERS.get(root);
    if (owners === undefined) {
      owners = new Map();
      OWNERS.set(root, owners);
    }
    const key = `${sameGatewayKey(this.adminUrl)}|${this.gatewayGroupId ?? ""}|${this.owner}`;
    const other = owners.get(key);
    if (other !== undefined) throw duplicateOwner(this.node.path, this.owner, this.adminUrl, other.path, other.adminUrl);
    owners.set(key, { path: this.node.path, adminUrl: this.adminUrl });
  }

  private warnAboutTransport(tls: GatewayTlsProps | undefined): void {
    if (Token.isUnresolved(this.adminUrl)) return;
    const url = new URL(this.adminUrl);
    if (url.protocol === "http:" && !isLoopback(url.hostname)) {
      Annotations.of(this).addWarning(
        `adminUrl ${this.adminUrl} is plain http to a non-loopback host: the admin key crosses the network unencrypted; use https`,
      );
    }
    if (url.protocol === "http:" && tls !== undefined) {
      Annotations.of(this).addWarning(`tls is ignored: adminUrl ${this.adminUrl} is plain http`);
    }
    if (url.protocol === "https:" && tls?.insecureSkipVerify === true) {
      Annotations.of(this).addWarning(
        `tls.insecureSkipVerify is true: the certificate of ${this.adminUrl} is not verified, so anyone on the ` +
          `network path can pose as the gateway and read the admin key; use tls.caFile for a private CA`,
      );
    }
  }
}

/** Provider-engine connections per stack: the first one's provider block is the default, the others get an alias. */
const PROVIDERS = new WeakMap<TerraformStack, number>();

/** undefined for the stack's first provider-engine connection, else an alias made from the connection's path. */
function providerAlias(connection: GatewayConnection): string | undefined {
  const stack = TerraformStack.of(connection);
  const count = PROVIDERS.get(stack) ?? 0;
  PROVIDERS.set(stack, count + 1);
  if (count === 0) return undefined;
  return connection.node.path.split("/").slice(1).join("_").replace(/[^A-Za-z0-9_-]/g, "_").replace(/^[^A-Za-z]/, "c$&");
}

/**
 * What identifies the gateway behind an admin URL, as far as synth can tell: host and port, with the scheme's default
 * port filled in, case and trailing slash normalised by `URL`, and every loopback alias (localhost, 127.x, [::1])
 * counted as one host.
 */
function sameGatewayKey(adminUrl: string): string {
  const url = new URL(adminUrl);
  const host = isLoopback(url.hostname) ? "loopback" : url.hostname;
  return `${host}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}
