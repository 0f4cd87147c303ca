/**
 * The provider's message types as static code (encode and decode only), which pbjs (protobufjs-cli) writes from the
 * descriptors of lib/provider/protocol/wire-messages.ts; bundle.ts loads it in place of wire-static.ts. protobufjs's
 * reflection would compile the same code with `new Function` in every provider process (~10-20 ms each, outside the
 * code cache). The output is CommonJS that requires `protobufjs/minimal` and exports `STATIC_ROOT`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pbjs } from "protobufjs-cli";
import { wireRoot } from "../lib/provider/protocol/wire-messages";

/** What pbjs leaves out: everything but the message classes' encode and decode. */
const LEFT_OUT = ["create", "verify", "convert", "delimited", "typeurl", "service", "comments", "beautify"];

export async function staticWireCode(): Promise<string> {
  const folder = mkdtempSync(path.join(tmpdir(), "bluegreen-wire-"));
  try {
    const descriptors = path.join(folder, "wire.json");
    writeFileSync(descriptors, JSON.stringify(wireRoot().toJSON()));
    const flags = LEFT_OUT.map((f) => `--no-${f}`);
    const output = await new Promise<string>((resolve, reject) =>
      pbjs.main(["--target", "static-module", "--wrap", "commonjs", ...flags, descriptors], (error, code) =>
        error || code === undefined ? reject(error ?? new Error("pbjs wrote nothing")) : resolve(code),
      ),
    );
    const ending = "module.exports = $root;";
    if (!output.includes(ending)) throw new Error(`pbjs's static module no longer ends with "${ending}"`);
    return output.replace(ending, "exports.STATIC_ROOT = $root;");
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
