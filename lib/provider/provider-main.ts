/**
 * The entry point of the bundled provider (`dist/provider/bluegreen-provider.cjs`), which Terraform runs through the
 * `terraform-provider-bluegreen_v<version>` launcher that synthesis lays into the stack folder. The same file is the
 * release guardian a verified release starts (`node <provider file> guardian`).
 */
import { guardianOrMain } from "../release/guardian-command";
import { serveProvider } from "./protocol/serve-provider";
import { PROVIDER_TYPE } from "./provider-address";

guardianOrMain(__filename, () => {
  // loaded after the handshake line (serve-provider.ts): the model, its schemas and the Admin API client
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  void serveProvider(PROVIDER_TYPE, () => (require("./bluegreen-provider") as typeof import("./bluegreen-provider")).bluegreenProvider);
});
