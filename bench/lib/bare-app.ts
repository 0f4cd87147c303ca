/**
 * The `cdktf deploy` baseline app: BARE_COUNT (default 1) bare `terraform_data` resources with create_before_destroy
 * whose create-time `local-exec` is `node -e ""`, replaced whenever ACTIVE_COLOR changes. Same App options as
 * main.ts, so the difference to main.ts is the library (synth) and the hook (apply).
 */
import { App, DataResource, LocalBackend, TerraformStack } from "cdktf";

const app = new App();
const stack = new TerraformStack(app, "bare");
if (process.env.BLUEGREEN_TF_STATE) new LocalBackend(stack, { path: process.env.BLUEGREEN_TF_STATE });
const color = process.env.ACTIVE_COLOR ?? "blue";
const count = Number(process.env.BARE_COUNT ?? "1");
for (let i = 0; i < count; i++) {
  new DataResource(stack, `bare${i}`, {
    input: { color },
    triggersReplace: { color },
    lifecycle: { createBeforeDestroy: true },
    provisioners: [{ type: "local-exec", command: 'node -e ""' }],
  });
}
app.synth();
