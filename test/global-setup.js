// Every temp folder of a test run (cdktf's Testing outdirs, Terraform workspaces, gateway state files, the demo's
// work folder, the bundled programs' code cache) goes below one root that the global teardown removes, so `npm test` leaves nothing in the system's
// temp folder. Jest's workers inherit the environment set here.
const { mkdtempSync } = require("node:fs");
const os = require("node:os");
const path = require("node:path");

module.exports = async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), "bluegreen-test-"));
  process.env.BLUEGREEN_TEST_TMP_ROOT = root;
  process.env.TMPDIR = root;
  // the hook's and the provider's V8 code cache (lib/bundle/code-cache.ts) too, instead of ~/.cache
  process.env.BLUEGREEN_CODE_CACHE = path.join(root, "code-cache");
};
