/**
 * The seed's blue-green scenario. `cdktf deploy` runs `node dist/main.js` (see cdktf.json).
 * Flip traffic by changing ACTIVE_COLOR (or the default below) and deploying; roll back with git revert + deploy.
 */
import { App } from "cdktf";
import { SeedStack, seedStackPropsFromEnv } from "./examples/seed-stack";

const app = new App();
new SeedStack(app, "blue-green", seedStackPropsFromEnv(process.env));
app.synth();
