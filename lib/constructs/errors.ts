/**
 * Error factories for the constructs, in the style of cdktf's `lib/errors.ts`: call sites `throw invalidProps(...)`,
 * so message text lives in one place. Messages are lowercase, name the construct path, the value received and what
 * is allowed, and never contain a secret.
 */

/** Props failed validation; `details` are `field must ..., got value` fragments. */
export const invalidProps = (constructPath: string, details: readonly string[]) =>
  new Error(`invalid props at ${constructPath}: ${details.join("; ")}`);

/** Two constructs declare the same gateway object (same kind and id on one gateway connection). */
export const duplicateObjectId = (constructPath: string, kind: string, id: string, gatewayPath: string, otherPath: string) =>
  new Error(
    `invalid props at ${constructPath}: duplicate ${kind} id "${id}" on gateway ${gatewayPath}, already declared at ${otherPath}`,
  );

/** Two gateway connections (whose admin URLs name the same gateway) would sweep each other's objects. */
export const duplicateOwner = (constructPath: string, owner: string, adminUrl: string, otherPath: string, otherUrl = adminUrl) =>
  new Error(
    `invalid props at ${constructPath}: owner "${owner}" is already used for ${otherUrl} by ${otherPath}` +
      `${otherUrl === adminUrl ? "" : ` (${adminUrl} is the same gateway)`}; ` +
      `set a distinct owner so that one sweep never deletes the other's objects`,
  );

/** A service with `release` on a connection that does not say where its checks go. */
export const releaseWithoutProxyUrl = (constructPath: string, gatewayPath: string) =>
  new Error(
    `invalid props at ${constructPath}: release needs the gateway's proxyUrl (the data plane its checks are sent ` +
      `through), but the GatewayConnection at ${gatewayPath} has proxyUrl undefined; set proxyUrl on it, e.g. ` +
      `http://127.0.0.1:9080 (on API7 EE the gateway group's data-plane address)`,
  );

/** A prop that must be one of our constructs is something else. */
export const notAConstruct = (constructPath: string, prop: string, expected: string, got: unknown) =>
  new Error(`invalid props at ${constructPath}: ${prop} must be a ${expected}, got ${describe(got)}`);

/** Objects must live in their gateway connection's stack (the sweep depends on them). */
export const otherStack = (constructPath: string, gatewayPath: string) =>
  new Error(
    `invalid props at ${constructPath}: must be defined in the same stack as its gateway ${gatewayPath} (the gateway's sweep depends on it)`,
  );

/** A built Admin API body would be rejected by the gateway's own schema. */
export const gatewayWouldReject = (constructPath: string, method: string, path: string, errorMsg: string) =>
  new Error(`invalid props at ${constructPath}: the gateway would reject ${method} ${path}: ${errorMsg}`);

/** Short, safe rendering of a received value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "function") return "a function";
  if (typeof value === "object" && value !== null && "node" in value) {
    const path = (value as { node?: { path?: unknown } }).node?.path;
    return typeof path === "string" ? `the construct at ${path}` : "a construct";
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** Synthesis needs the bundled hook, built by `npm run build`, and this package has none. */
export const hookBundleMissing = (constructPath: string, file: string, packageRoot: string) =>
  new Error(
    `cannot synthesize ${constructPath}: the bundled hook ${file}, which synthesis lays into the stack folder, is ` +
      `missing; run npm run build in ${packageRoot} (a cdktf-apisix-bluegreen installed from npm always has it)`,
  );

/** `tls.caFile` names no readable file at synth. */
export const caFileMissing = (constructPath: string, caFile: string, resolved: string) =>
  new Error(
    `invalid props at ${constructPath}: tls.caFile must name a PEM file, which synthesis lays into the stack folder, ` +
      `got ${describe(caFile)}${resolved === caFile ? "" : ` (resolved to ${resolved})`}: there is no such file`,
  );

/** `tls.caFile` is a Terraform token, so there is no file to lay at synth. */
export const caFileToken = (constructPath: string, caFile: string) =>
  new Error(
    `invalid props at ${constructPath}: tls.caFile must be known at synth time (the file is laid into the stack ` +
      `folder), not a Terraform variable, resource attribute or Fn result, got ${describe(caFile)}`,
  );
