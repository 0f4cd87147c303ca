/** The release guardian's script, `node dist/lib/release/guardian.js` (lib/release/guardian-process.ts). */
import { runGuardian } from "./guardian-process";

runGuardian().then(
  (code) => process.exit(code),
  () => process.exit(1),
);
