/**
 * Runs this process as a Terraform provider (hashicorp/go-plugin): checks the magic cookie, listens on a unix
 * socket in a private temporary folder with automatic mTLS (the client certificate Terraform passes in
 * PLUGIN_CLIENT_CERT is required and verified), prints the handshake line, serves tfplugin6 plus go-plugin's
 * controller and gRPC health, and exits on GRPCController/Shutdown or SIGTERM, or once Terraform (its parent) is
 * gone: a Terraform killed outright (a CI job cancelled with SIGKILL) never asks it to. SIGINT is ignored: on Ctrl-C
 * Terraform sends StopProvider, which aborts in-flight handlers through their signal.
 */
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { ProviderDefinition } from "./provider-definition";
import { createProviderService } from "./provider-service";
import { createServerCertificate } from "./server-certificate";
import { wireServices } from "./wire-services";

/** go-plugin's handshake for Terraform providers. */
export const MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE";
export const MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
const CORE_PROTOCOL_VERSION = 1;
const PROTOCOL_VERSION = 6;
/**
 * After answering Shutdown, exit as soon as the server has closed (its sessions' last stream, that answer, has
 * ended: Terraform waits for the process to exit), and at the latest this much later. On SIGTERM, at once.
 */
const EXIT_AFTER_SHUTDOWN_MS = 100;
/** Terraform's own providers accept messages this large (terraform-plugin-go). */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
const SERVING = 1;
/** How often the process checks that its parent (Terraform; the launcher `exec`s node) still runs. */
const PARENT_CHECK_MS = 1_000;

/**
 * Runs the provider process `name`: checks the cookie, serves until Shutdown/SIGTERM. Never returns normally.
 *
 * Start-up order: what the handshake line needs (the listening socket, its TLS identity) comes first; the message
 * types, the services and the provider itself (`load()`, its schemas and the whole model) are built in the same tick
 * right after the line is printed, while Terraform reads it and dials, so no request can arrive before them.
 */
export function serveProvider(name: string, load: () => ProviderDefinition): Promise<void> {
  if (process.env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    process.stderr.write(
      `This is the Terraform provider "${name}": a plugin that Terraform runs by itself.\n` +
        `Run terraform (init, plan, apply) in a configuration that requires it instead of running it directly.\n`,
    );
    process.exit(1);
  }
  const versions = (process.env.PLUGIN_PROTOCOL_VERSIONS ?? String(PROTOCOL_VERSION)).split(",").map((v) => v.trim());
  if (!versions.includes(String(PROTOCOL_VERSION))) {
    return fail(
      `the provider "${name}" speaks plugin protocol ${PROTOCOL_VERSION}, ` +
        `this Terraform offers ${versions.join(", ")}: use Terraform 1.0 or later`,
    );
  }
  const clientCertificate = process.env.PLUGIN_CLIENT_CERT;
  if (!clientCertificate && !process.env.TF_DISABLE_PLUGIN_TLS) {
    return fail(
      `the provider "${name}" got no client certificate (PLUGIN_CLIENT_CERT) from Terraform; ` +
        `it only serves over mutual TLS (set TF_DISABLE_PLUGIN_TLS=1 for an unencrypted connection when debugging)`,
    );
  }

  // On Ctrl-C Terraform signals the whole process group, then sends StopProvider: wait for that.
  process.on("SIGINT", () => undefined);

  const folder = mkdtempSync(path.join(tmpdir(), `tf-${name}-`));
  const socket = path.join(folder, "plugin.sock");
  const removeFolder = () => rmSync(folder, { recursive: true, force: true });
  process.on("exit", removeFolder);

  const server = new Server({
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
    "grpc.enable_channelz": 0,
  });
  let exiting = false;
  const exit = (graceful: boolean) => {
    if (exiting) return;
    exiting = true;
    const now = () => {
      server.forceShutdown();
      removeFolder();
      process.exit(0);
    };
    if (!graceful) return now();
    const latest = setTimeout(now, EXIT_AFTER_SHUTDOWN_MS);
    server.tryShutdown(() => {
      clearTimeout(latest);
      now();
    });
  };
  const addServices = () => {
    const services = wireServices();
    server.addService(services.provider, createProviderService(load()).implementation);
    server.addService(services.health, { Check: (_call: unknown, callback: (e: null, r: object) => void) => callback(null, { status: SERVING }) });
    server.addService(services.controller, {
      Shutdown: (_call: unknown, callback: (e: null, r: object) => void) => {
        callback(null, {});
        exit(true);
      },
    });
  };
  process.on("SIGTERM", () => exit(false));
  // orphaned (re-parented, e.g. to init) when Terraform died without shutting it down
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) exit(false);
  }, PARENT_CHECK_MS).unref();

  let certificateLine = "";
  let credentials = ServerCredentials.createInsecure();
  if (clientCertificate) {
    const certificate = createServerCertificate();
    credentials = ServerCredentials.createSsl(
      Buffer.from(clientCertificate),
      [{ private_key: Buffer.from(certificate.privateKeyPem), cert_chain: Buffer.from(certificate.certificatePem) }],
      true,
    );
    certificateLine = certificate.der.toString("base64").replace(/=+$/, "");
  }

  return new Promise<void>((_resolve, reject) => {
    server.bindAsync(`unix:${socket}`, credentials, (error) => {
      if (error) {
        reject(error);
        fail(`the provider "${name}" could not listen on ${socket}: ${error.message}`);
        return;
      }
      process.stdout.write(`${CORE_PROTOCOL_VERSION}|${PROTOCOL_VERSION}|unix|${socket}|grpc|${certificateLine}\n`);
      addServices();
    });
  });
}

function fail(message: string): never {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}
