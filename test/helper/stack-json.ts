/** Reading and rewriting synthesized stacks (cdk.tf.json) in tests. */
import { readFileSync } from "node:fs";
import { resourceRequest } from "../../lib/drift/read-stack";
import { requestSha256 } from "../../lib/model/hook-input";
import { requestLocalName } from "../../lib/model/request-local";

/** The hook request of every `terraform_data` resource of a parsed cdk.tf.json (objects: their local). */
export function stackRequests<T = any>(json: any): T[] {
  return Object.values(json.resource.terraform_data).map((r) => resourceRequest(json, r) as T);
}

/** The same, read from a cdk.tf.json file. */
export function stackFileRequests<T = any>(file: string): T[] {
  return stackRequests<T>(JSON.parse(readFileSync(file, "utf8")));
}

/**
 * Rewrites a parsed cdk.tf.json into what the versions before issue 10 synthesized: each object's request as its
 * `input` (after `edit`), its hash in `triggers_replace.request_sha256`, the hooks reading `jsonencode(self.input)`,
 * no locals. Sweeps get `edit` and a fresh hash too.
 */
export function toPreviousVersion(json: any, edit: (request: any) => void = () => undefined): void {
  for (const resource of Object.values<any>(json.resource.terraform_data)) {
    const local = requestLocalName(resource.triggers_replace?.request);
    if (local !== undefined) {
      resource.input = json.locals[local];
      delete json.locals[local];
      for (const p of resource.provisioner) p["local-exec"].environment.BLUEGREEN_REQUEST = "${jsonencode(self.input)}";
    }
    edit(resource.input);
    // the teardown has no replacement trigger
    if (resource.triggers_replace !== undefined) resource.triggers_replace = { request_sha256: requestSha256(resource.input) };
  }
  if (json.locals !== undefined && Object.keys(json.locals).length === 0) delete json.locals;
}
