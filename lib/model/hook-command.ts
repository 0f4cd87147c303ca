/**
 * How a provisioner runs the hook: `node <hook file> <action>`, the hook file being the bundle synthesis lays into
 * the stack folder (`lib/constructs/hook-bundle.ts`), named by a path relative to it. Terraform runs `local-exec` in
 * its working directory, the stack folder, so the command works wherever the folder is copied, in `sh` and in
 * `cmd` alike (node takes forward slashes on Windows). Pure: no cdktf imports.
 */
import type { HookAction } from "../hook/hook-actions";

/** Where `npm run build` writes the hook bundle and what it needs beside it, relative to the package root. */
export const HOOK_BUNDLE_DIR = "dist/hook";
/** The hook bundle's file name in `HOOK_BUNDLE_DIR` (and in the folder laid into each stack). */
export const HOOK_BUNDLE_FILE = "bluegreen-hook.cjs";

/** A path the command may hold unquoted in every shell: relative, forward slashes, no spaces or shell characters. */
const PLAIN_PATH = /^[A-Za-z0-9._+-]+(\/[A-Za-z0-9._+-]+)*$/;

/**
 * The shell command of a provisioner that runs the hook `action` from `hookFile`, a path relative to the stack
 * folder, e.g. `node assets/BluegreenHook/0.1.0/bluegreen-hook.cjs apply`.
 */
export function hookCommand(action: HookAction, hookFile: string): string {
  if (!PLAIN_PATH.test(hookFile) || hookFile.split("/").includes("..")) {
    throw new Error(
      `the hook file path must be relative to the stack folder, with forward slashes and only letters, digits and ` +
        `._+- in its parts, got ${JSON.stringify(hookFile)}`,
    );
  }
  return `node ${hookFile} ${action}`;
}

/** Fields of a hook request that the hook never dials: the object's `body` (sent, not dialed) and Admin API paths. */
const NEVER_DIALED = new Set(["body", "path", "keep"]);

/**
 * What in a hook request names the origins the hook may connect to: everything but the object's body and the Admin
 * API paths. The hook dials only origins its request names (the Admin API, the health gate's nodes, a release's
 * metrics and proxy URLs) and follows no redirects.
 */
export function dialedPart(request: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(request).filter(([key]) => !NEVER_DIALED.has(key)));
}

/** Whether `value` is the string `https` or starts with `https:` (either case): a scheme or URL that needs TLS. */
export function isHttps(value: unknown): boolean {
  return typeof value === "string" && /^https(:|$)/i.test(value);
}
