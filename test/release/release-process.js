/**
 * A stand-in for the hook process in the release tests: runs `runRelease` from dist (like `bluegreen hook apply`
 * would) with SIGINT/SIGTERM handling on, so a test can kill it (-9) or interrupt it mid-step. Reads the request from
 * BLUEGREEN_TEST_RELEASE (JSON) and the admin key from GATEWAY_ADMIN_KEY, never from argv.
 */
"use strict";
const { join } = require("node:path");
const dist = join(__dirname, "../../dist/lib");
const { AdminClient } = require(join(dist, "client/admin-client"));
const { gatewayTarget } = require(join(dist, "model/hook-input"));
const { runRelease } = require(join(dist, "release/run-release"));

async function main() {
  const r = JSON.parse(process.env.BLUEGREEN_TEST_RELEASE);
  const adminKey = process.env.GATEWAY_ADMIN_KEY;
  const gateway = gatewayTarget({ adminUrl: r.adminUrl, flavor: r.flavor, gatewayGroupId: r.gatewayGroupId, retryBudgetMs: 2000 });
  const client = new AdminClient({ adminUrl: r.adminUrl, flavor: r.flavor, gatewayGroupId: r.gatewayGroupId, adminKey, retryBudgetMs: 2000 });
  const line = (stream) => (text) => stream.write(`${text}\n`);
  try {
    await runRelease({
      client,
      gateway,
      adminKey,
      cwd: process.cwd(),
      path: r.path,
      body: r.body,
      constructPath: r.constructPath,
      release: r.release,
      io: { env: process.env, stdout: line(process.stdout), stderr: line(process.stderr) },
      guardianLogFile: r.guardianLogFile,
    });
    return 0;
  } catch (error) {
    process.stderr.write(`bluegreen: ${error.message}\n`);
    return 1;
  } finally {
    await client.close();
  }
}

main().then((code) => {
  process.exitCode = code;
});
