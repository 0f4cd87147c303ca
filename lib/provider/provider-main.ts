/**
 * The entry point of the bundled provider (`dist/provider/bluegreen-provider.cjs`), which Terraform runs through the
 * `terraform-provider-bluegreen_v<version>` launcher that synthesis lays into the stack folder.
 */
import { serveProvider } from "./protocol/serve-provider";
import { bluegreenProvider } from "./bluegreen-provider";

void serveProvider(bluegreenProvider);
