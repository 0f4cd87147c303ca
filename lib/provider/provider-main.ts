/**
 * The entry point of the bundled provider (`dist/provider/bluegreen-provider.cjs`), which Terraform runs through the
 * `terraform-provider-bluegreen_v<version>` launcher that synthesis lays into the stack folder. The same file is the
 * release guardian a verified release starts (`node <provider file> guardian`).
 */
import { guardianOrMain } from "../release/guardian-command";
import { serveProvider } from "./protocol/serve-provider";
import { bluegreenProvider } from "./bluegreen-provider";

guardianOrMain(__filename, () => {
  void serveProvider(bluegreenProvider);
});
