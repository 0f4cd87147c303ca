/**
 * A toy provider for the protocol tests, served through serveProvider: `toy_file` keeps a JSON file
 * `<directory>/<name>.json` holding its content. `name` replaces the resource, `content` updates it in place, `id`
 * and `size` are computed, `delay_ms` makes apply slow (it honours the stop signal) for the Ctrl-C test.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { type ObjectValue, type ProviderDefinition, UNKNOWN } from "../../../lib/provider/protocol/provider-definition";
import { serveProvider } from "../../../lib/provider/protocol/serve-provider";

function fileOf(directory: unknown, name: unknown): string {
  return path.join(String(directory), `${String(name)}.json`);
}

function stateOf(file: string, name: string): ObjectValue | null {
  if (!existsSync(file)) return null;
  const { content } = JSON.parse(readFileSync(file, "utf8")) as { content: string };
  return { id: file, name, content, size: Buffer.byteLength(content), delay_ms: null };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error("toy_file: interrupted before writing"));
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new Error("toy_file: interrupted, nothing written"));
    });
  });
}

const toy: ProviderDefinition = {
  name: "toy",
  providerSchema: {
    version: 0,
    description: "Keeps JSON files in a folder.",
    attributes: { directory: { type: "string", description: "Where the files live.", required: true } },
  },
  configure(config) {
    if (!existsSync(String(config.directory))) {
      return [{ severity: "error", summary: `directory ${String(config.directory)} does not exist`, attribute: ["directory"] }];
    }
    return [];
  },
  resources: [
    {
      name: "toy_file",
      schema: {
        version: 0,
        description: "A JSON file.",
        attributes: {
          id: { type: "string", description: "The file's path.", computed: true },
          name: { type: "string", description: "File name without .json.", required: true, forceNew: true },
          content: { type: "string", description: "What the file holds.", required: true },
          size: { type: "number", description: "Bytes of content.", computed: true },
          delay_ms: { type: "number", description: "Wait this long before writing.", optional: true },
        },
      },
      validate(config) {
        return typeof config.name === "string" && config.name.includes("/")
          ? [{ severity: "error", summary: `name "${config.name}" must not contain "/"`, attribute: ["name"] }]
          : [];
      },
      plan({ prior, proposed }) {
        return { planned: prior && prior.content !== proposed.content ? { ...proposed, size: UNKNOWN } : proposed };
      },
      async apply({ prior, planned }, { signal, providerConfig }) {
        if (planned === null) {
          rmSync(String(prior?.id), { force: true });
          return { state: null };
        }
        if (typeof planned.delay_ms === "number") await sleep(planned.delay_ms, signal);
        const file = fileOf(providerConfig?.directory, planned.name);
        writeFileSync(file, JSON.stringify({ content: planned.content }));
        return { state: { ...stateOf(file, String(planned.name)), delay_ms: planned.delay_ms } };
      },
      async read(current) {
        const state = stateOf(String(current.id), String(current.name));
        return { state: state && { ...state, delay_ms: current.delay_ms } };
      },
      async importState(id, { providerConfig }) {
        return { state: stateOf(fileOf(providerConfig?.directory, id), id) };
      },
    },
  ],
};

void serveProvider(toy.name, () => toy);
