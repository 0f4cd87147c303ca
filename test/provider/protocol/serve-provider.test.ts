/**
 * serveProvider against real Terraform 1.11: a toy provider (test/provider/protocol/toy-provider.ts) installed from
 * the implied local mirror goes through create, in-place update, replace, drift, out-of-band delete, CLI import,
 * an import block, destroy and Ctrl-C; then the process itself: mTLS refuses a client without Terraform's
 * certificate, Shutdown exits and removes the socket, and without the magic cookie it refuses to run.
 */
import * as grpc from "@grpc/grpc-js";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { createServerCertificate } from "../../../lib/provider/protocol/server-certificate";
import { wireServices } from "../../../lib/provider/protocol/wire-services";
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from "../../../lib/provider/protocol/serve-provider";
import { ToyWorkspace } from "./terraform-toy";

jest.setTimeout(240_000);

let toy: ToyWorkspace;
beforeAll(() => {
  toy = new ToyWorkspace();
});
afterAll(() => toy.remove());

const fileResource = (name: string, content: string, extra = "") =>
  `resource "toy_file" "a" {\n  name    = "${name}"\n  content = "${content}"\n${extra}}\n`;
const fileContent = (name: string) => JSON.parse(readFileSync(path.join(toy.files, `${name}.json`), "utf8")).content;

/** Provider processes still running from this workspace. */
function providerProcesses(): string[] {
  return execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(toy.bundle));
}

test("Terraform manages a toy_file through the whole life of a resource", async () => {
  toy.config(fileResource("a", "hello"));
  expect(await toy.ok("init", "-input=false")).toMatch(/Installed example.invalid\/test\/toy v0.0.1 \(unauthenticated\)/);

  const create = await toy.ok("apply", "-auto-approve", "-input=false");
  expect(create).toMatch(/Plan: 1 to add, 0 to change, 0 to destroy/);
  expect(create).toMatch(/id\s+= \(known after apply\)/);
  expect(fileContent("a")).toBe("hello");
  expect(await toy.ok("plan", "-detailed-exitcode")).toMatch(/No changes/);

  toy.config(fileResource("a", "hello world"));
  const update = await toy.ok("apply", "-auto-approve");
  expect(update).toMatch(/Plan: 0 to add, 1 to change, 0 to destroy/);
  expect(update).toMatch(/~ content = "hello" -> "hello world"/);
  expect(update).toMatch(/~ size\s+= 5 -> \(known after apply\)/);
  expect(await toy.ok("state", "show", "toy_file.a")).toMatch(/size\s+= 11/);

  toy.config(fileResource("b", "hello world"));
  const replace = await toy.ok("apply", "-auto-approve");
  expect(replace).toMatch(/~ name\s+= "a" -> "b" # forces replacement/);
  expect(replace).toMatch(/Plan: 1 to add, 0 to change, 1 to destroy/);
  expect(existsSync(path.join(toy.files, "a.json"))).toBe(false);
  expect(fileContent("b")).toBe("hello world");

  writeFileSync(path.join(toy.files, "b.json"), JSON.stringify({ content: "edited by hand" }));
  const refreshOnly = await toy.ok("plan", "-refresh-only");
  expect(refreshOnly).toMatch(/Objects have changed outside of Terraform/);
  expect(refreshOnly).toMatch(/~ content = "hello world" -> "edited by hand"/);
  const back = await toy.ok("plan");
  expect(back).toMatch(/~ content = "edited by hand" -> "hello world"/);
  expect(back).toMatch(/Plan: 0 to add, 1 to change, 0 to destroy/);

  rmSync(path.join(toy.files, "b.json"));
  const recreate = await toy.ok("plan");
  expect(recreate).toMatch(/toy_file.a will be created/);
  expect(recreate).toMatch(/Plan: 1 to add, 0 to change, 0 to destroy/);

  writeFileSync(path.join(toy.files, "b.json"), JSON.stringify({ content: "hello world" }));
  await toy.ok("state", "rm", "toy_file.a");
  expect(await toy.ok("import", "toy_file.a", "b")).toMatch(/Import successful/);
  expect(await toy.ok("plan", "-detailed-exitcode")).toMatch(/No changes/);
  const missing = await toy.terraform(["import", "toy_file.a", "nope"]);
  expect(missing.code).not.toBe(0);

  await toy.ok("state", "rm", "toy_file.a");
  toy.config(`${fileResource("b", "hello world")}import {\n  to = toy_file.a\n  id = "b"\n}\n`);
  const imported = await toy.ok("apply", "-auto-approve");
  expect(imported).toMatch(/Plan: 1 to import, 0 to add, 0 to change, 0 to destroy/);

  toy.config(fileResource("b", "hello world"));
  expect(await toy.ok("destroy", "-auto-approve")).toMatch(/Destroy complete! Resources: 1 destroyed/);
  expect(existsSync(path.join(toy.files, "b.json"))).toBe(false);
  expect(providerProcesses()).toEqual([]);
});

test("Ctrl-C during a slow apply: StopProvider aborts the handler, Terraform exits, state stays consistent", async () => {
  toy.config(fileResource("slow", "v1", "  delay_ms = 60000\n"));
  const started = Date.now();
  const result = await toy.terraform(["apply", "-auto-approve"], (child: ChildProcess) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      // like a terminal's Ctrl-C: SIGINT to the whole process group, provider included
      if (chunk.toString().includes("Creating...")) process.kill(-child.pid!, "SIGINT");
    });
  });
  expect(result.code).not.toBe(0);
  expect(result.output).toMatch(/Interrupt received/);
  // Terraform prints "Creating..." before the provider's handler runs: StopProvider lands either during the handler's
  // wait or before it starts, and either way the handler writes nothing
  expect(result.output).toMatch(/toy_file: interrupted(, nothing written| before writing)/);
  expect(Date.now() - started).toBeLessThan(50_000); // the handler did not sit out its 60 s
  expect(existsSync(path.join(toy.files, "slow.json"))).toBe(false);
  expect(await toy.ok("state", "list")).not.toMatch(/toy_file/);
  expect(providerProcesses()).toEqual([]);

  toy.config(fileResource("slow", "v1"));
  expect(await toy.ok("apply", "-auto-approve")).toMatch(/Apply complete! Resources: 1 added/);
  await toy.ok("destroy", "-auto-approve");
});

describe("the provider process", () => {
  const terraformCertificate = createServerCertificate();

  function startProvider(env: Record<string, string>): Promise<{ child: ChildProcess; line: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn("node", [toy.bundle], { env: { PATH: process.env.PATH!, ...env }, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      child.stdout!.on("data", (chunk) => {
        stdout += chunk;
        if (stdout.includes("\n")) resolve({ child, line: stdout.trim() });
      });
      child.on("error", reject);
    });
  }

  function client(socket: string, serverDer: Buffer, identity: { certificatePem: string; privateKeyPem: string }) {
    const serverPem = `-----BEGIN CERTIFICATE-----\n${serverDer.toString("base64")}\n-----END CERTIFICATE-----\n`;
    return new grpc.Client(
      `unix:${socket}`,
      grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(identity.privateKeyPem), Buffer.from(identity.certificatePem)),
      { "grpc.ssl_target_name_override": "localhost", "grpc.default_authority": "localhost" },
    );
  }

  function call(c: grpc.Client, method: grpc.MethodDefinition<object, object>, request: object): Promise<object> {
    return new Promise((resolve, reject) =>
      c.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, { deadline: Date.now() + 5000 }, (error, response) =>
        error ? reject(error) : resolve(response!),
      ),
    );
  }

  test("mTLS: only Terraform's client certificate is accepted; Shutdown exits and removes the socket", async () => {
    const { child, line } = await startProvider({
      [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE,
      PLUGIN_PROTOCOL_VERSIONS: "5,6",
      PLUGIN_CLIENT_CERT: terraformCertificate.certificatePem,
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const [core, protocol, network, socket, kind, certificate] = line.split("|");
    expect([core, protocol, network, kind]).toEqual(["1", "6", "unix", "grpc"]);
    expect(certificate).toMatch(/^[A-Za-z0-9+/]+$/); // base64 without padding
    const serverDer = Buffer.from(certificate, "base64");

    const stranger = client(socket, serverDer, createServerCertificate());
    await expect(call(stranger, wireServices().health.Check, { service: "plugin" })).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
    stranger.close();

    const terraform = client(socket, serverDer, terraformCertificate);
    expect(await call(terraform, wireServices().health.Check, { service: "plugin" })).toMatchObject({ status: 1 });
    await call(terraform, wireServices().controller.Shutdown, {});
    terraform.close();
    expect(await exited).toBe(0);
    expect(existsSync(path.dirname(socket))).toBe(false);
  });

  test("a provider whose Terraform died without Shutdown (SIGKILL) exits by itself", async () => {
    // a stand-in for Terraform: starts the provider as Terraform does, prints its pid, then is killed outright
    const env = { ...process.env, [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: "6", PLUGIN_CLIENT_CERT: terraformCertificate.certificatePem };
    const parent = spawn(
      process.execPath,
      [
        "-e",
        `const p = require("node:child_process").spawn(process.execPath, [${JSON.stringify(toy.bundle)}], { stdio: ["ignore", "pipe", "inherit"] });` +
          `p.stdout.once("data", () => console.log(p.pid));`,
      ],
      { env, stdio: ["ignore", "pipe", "inherit"] },
    );
    const pid = Number(await new Promise<string>((resolve) => parent.stdout!.once("data", (d) => resolve(String(d)))));
    expect(pid).toBeGreaterThan(0);
    // running: signalable and, where /proc tells, not a zombie waiting for the init that adopted it to reap it
    const alive = () => {
      try {
        process.kill(pid, 0);
      } catch {
        return false;
      }
      const stat = `/proc/${pid}/stat`;
      return !existsSync(stat) || readFileSync(stat, "utf8").replace(/^.*\) /s, "")[0] !== "Z";
    };
    try {
      expect(alive()).toBe(true);
      parent.kill("SIGKILL");
      const deadline = Date.now() + 10_000;
      while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(alive()).toBe(false);
    } finally {
      if (alive()) process.kill(pid, "SIGKILL"); // leave no process behind when it fails
    }
  });

  test("without the magic cookie it says what it is and exits 1", async () => {
    const child = spawn("node", [toy.bundle], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/Terraform provider "toy": a plugin that Terraform runs by itself/);
  });
});
