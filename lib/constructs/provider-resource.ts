/**
 * The constructs of the provider engine (`GatewayConnection({ engine: "provider" })`): this package's own Terraform
 * provider (`bluegreen`, lib/provider) and its resources, without generated bindings. Synthesis lays the provider
 * into the stack folder (terraform.d/plugins, see lib/provider/install-provider.ts), so `terraform init` needs no
 * registry.
 */
import type { Construct } from "constructs";
import {
  addCustomSynthesis,
  Fn,
  type ISynthesisSession,
  TerraformProvider,
  TerraformResource,
  TerraformStack,
  type ITerraformDependable,
} from "../cdk";
import type { AdminResource } from "../model/admin-paths";
import type { GatewayTarget, ObjectRequest } from "../model/gateway-request";
import { PROVIDER_SOURCE, PROVIDER_TYPE, providerVersion } from "../provider/provider-address";
import { installProvider } from "../provider/install-provider";
import { containsTokens } from "./tokens";

/** Stacks whose folder already gets the provider laid out, so it is written once per stack. */
const INSTALLED = new WeakSet<TerraformStack>();

/** The `bluegreen` provider block of one GatewayConnection (the first of a stack has no alias). */
export class BluegreenProvider extends TerraformProvider {
  public static readonly tfResourceType = PROVIDER_TYPE;
  private readonly gateway: GatewayTarget;
  private aliasName?: string;

  constructor(scope: Construct, id: string, gateway: GatewayTarget, alias?: string) {
    super(scope, id, {
      terraformResourceType: PROVIDER_TYPE,
      terraformGeneratorMetadata: { providerName: PROVIDER_TYPE, providerVersion: providerVersion() },
      terraformProviderSource: PROVIDER_SOURCE,
    });
    this.gateway = gateway;
    this.aliasName = alias;
    const stack = TerraformStack.of(this);
    if (!INSTALLED.has(stack)) {
      INSTALLED.add(stack);
      addCustomSynthesis(this, {
        onSynthesize: (session: ISynthesisSession) => {
          const manifest = session.manifest.forStack(stack);
          installProvider(`${session.outdir}/${manifest.workingDirectory}`);
        },
      });
    }
  }

  /** The provider block's alias (undefined for the stack's default `bluegreen` provider). */
  public get alias(): string | undefined {
    return this.aliasName;
  }
  public set alias(value: string | undefined) {
    this.aliasName = value;
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return { gateway: jsonAttribute(this.gateway) };
  }

  protected synthesizeHclAttributes(): { [name: string]: unknown } {
    return {
      gateway: { value: jsonAttribute(this.gateway), type: "simple", storageClassType: "string", isBlock: false },
    };
  }
}

/** Configuration of one `bluegreen_<kind>` resource. */
export interface BluegreenObjectConfig {
  readonly kind: AdminResource;
  /** The hook's request for the object: the provider resource carries the same fields. */
  readonly request: ObjectRequest;
  readonly owner: string;
  readonly provider: BluegreenProvider;
  readonly dependsOn?: ITerraformDependable[];
}

/** One `bluegreen_upstream`, `bluegreen_service` or `bluegreen_route` resource. */
export class BluegreenObject extends TerraformResource {
  private readonly attributes: Record<string, unknown>;

  constructor(scope: Construct, id: string, config: BluegreenObjectConfig) {
    const type = `${PROVIDER_TYPE}_${config.kind.replace(/s$/, "")}`;
    super(scope, id, {
      terraformResourceType: type,
      terraformGeneratorMetadata: { providerName: PROVIDER_TYPE },
      provider: config.provider,
      dependsOn: config.dependsOn,
    });
    const r = config.request;
    this.attributes = {
      object_id: objectIdOf(r.path),
      gateway: jsonAttribute(r.gateway),
      owner: config.owner,
      legacy_owner: r.legacy_owner,
      adopt: r.adopt ? true : undefined,
      construct_path: r.construct_path,
      body: jsonAttribute(r.body),
      health_check: r.health_check === undefined ? undefined : jsonAttribute(r.health_check),
      release: r.release === undefined ? undefined : jsonAttribute(r.release),
    };
  }

  /** The Admin API id (computed: the same as `object_id`). */
  public get objectId(): string {
    return this.getStringAttribute("id");
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return Object.fromEntries(Object.entries(this.attributes).filter(([, v]) => v !== undefined));
  }

  protected synthesizeHclAttributes(): { [name: string]: unknown } {
    return Object.fromEntries(
      Object.entries(this.attributes)
        .filter(([, v]) => v !== undefined)
        .map(([k, value]) => [k, { value, type: "simple", storageClassType: typeof value === "boolean" ? "boolean" : "string", isBlock: false }]),
    );
  }
}

/**
 * A value as a JSON string attribute: written at synth (with Terraform's template sequences `${` and `%{` escaped),
 * or by Terraform's `jsonencode` when it holds values known only at apply.
 */
function jsonAttribute(value: unknown): string {
  if (containsTokens(value)) return Fn.jsonencode(value);
  return JSON.stringify(value).replace(/\$\{/g, "$${").replace(/%\{/g, "%%{");
}

/** The id at the end of an Admin API path (Terraform takes it when the path holds a token). */
function objectIdOf(path: string): string {
  if (containsTokens(path)) return Fn.basename(path);
  return decodeURIComponent(path.split("?")[0]!.split("/").pop()!);
}
