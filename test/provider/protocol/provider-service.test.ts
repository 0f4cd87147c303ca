/**
 * The tfplugin6 service's short cuts for what most calls of a plan are: a resource whose proposed state is its prior
 * state, a refresh that finds the object unchanged, a state this schema wrote. Each gives Terraform back the bytes it
 * sent, without the resource type's handlers or a decode and encode; anything else takes the full path. (Real
 * Terraform goes through them in serve-provider.test.ts and the provider engine's end-to-end suites.)
 */
import type { ServerUnaryCall } from "@grpc/grpc-js";
import { decodeDynamicValue, encodeDynamicValue } from "../../../lib/provider/protocol/dynamic-value";
import type { ObjectValue, ProviderDefinition, ResourceTypeDefinition } from "../../../lib/provider/protocol/provider-definition";
import { createProviderService } from "../../../lib/provider/protocol/provider-service";
import { objectType } from "../../../lib/provider/protocol/provider-schema";
import type { WireMessage } from "../../../lib/provider/protocol/wire-services";

const schema = {
  version: 1,
  description: "a note",
  attributes: {
    id: { type: "string", computed: true, description: "id" },
    text: { type: "string", required: true, description: "text" },
    size: { type: "number", computed: true, description: "size" },
  },
} as const;
const type = objectType(schema);

function noteProvider(calls: string[], readResult: (current: ObjectValue) => ObjectValue | null): ProviderDefinition {
  const note: ResourceTypeDefinition = {
    name: "toy_note",
    schema,
    plan(request) {
      calls.push("plan");
      return { planned: { ...request.proposed, size: String(request.proposed.text).length } };
    },
    async apply() {
      throw new Error("not in these tests");
    },
    async read(current) {
      calls.push("read");
      return { state: readResult(current) };
    },
    async importState() {
      throw new Error("not in these tests");
    },
  };
  return { name: "toy", providerSchema: { version: 0, description: "toy", attributes: {} }, resources: [note] };
}

function rpc(definition: ProviderDefinition, name: string, request: WireMessage): Promise<WireMessage> {
  const handler = createProviderService(definition).implementation[name] as (
    call: ServerUnaryCall<WireMessage, WireMessage>,
    callback: (error: unknown, response?: WireMessage) => void,
  ) => void;
  return new Promise((resolve, reject) =>
    handler({ request } as ServerUnaryCall<WireMessage, WireMessage>, (error, response) => (error ? reject(error) : resolve(response!))),
  );
}

const value = (v: ObjectValue | null) => encodeDynamicValue(v, type);
const stored: ObjectValue = { id: "n1", text: "hello", size: 5 };

describe("PlanResourceChange", () => {
  test("a proposed state equal to the prior state byte for byte is the plan, without the resource's plan", async () => {
    const calls: string[] = [];
    const prior = value(stored);
    const proposed = value(stored);
    const response = await rpc(noteProvider(calls, () => null), "PlanResourceChange", {
      type_name: "toy_note",
      prior_state: prior,
      proposed_new_state: proposed,
      config: value({ id: null, text: "hello", size: null }),
      prior_private: new Uint8Array(Buffer.from('{"adopt":true}')),
    });
    expect(response.planned_state).toBe(proposed);
    expect(Buffer.from(response.planned_private).toString()).toBe('{"adopt":true}');
    expect(response.requires_replace ?? []).toEqual([]);
    expect(calls).toEqual([]);
  });

  test("a change takes the full path: the resource's plan runs on the decoded values", async () => {
    const calls: string[] = [];
    const response = await rpc(noteProvider(calls, () => null), "PlanResourceChange", {
      type_name: "toy_note",
      prior_state: value(stored),
      proposed_new_state: value({ ...stored, text: "hello world" }),
      config: value({ id: null, text: "hello world", size: null }),
    });
    expect(calls).toEqual(["plan"]);
    expect(decodeDynamicValue(response.planned_state, type)).toEqual({ id: "n1", text: "hello world", size: 11 });
  });

  test("a create (no prior state) is planned by the resource", async () => {
    const calls: string[] = [];
    const response = await rpc(noteProvider(calls, () => null), "PlanResourceChange", {
      type_name: "toy_note",
      prior_state: value(null),
      proposed_new_state: value({ id: null, text: "hi", size: null }),
      config: value({ id: null, text: "hi", size: null }),
    });
    expect(calls).toEqual(["plan"]);
    expect(decodeDynamicValue(response.planned_state, type)).toMatchObject({ text: "hi", size: 2 });
  });
});

describe("ReadResource", () => {
  test("an object read back unchanged returns the bytes Terraform sent", async () => {
    const calls: string[] = [];
    const current = value(stored);
    const response = await rpc(noteProvider(calls, (c) => c), "ReadResource", { type_name: "toy_note", current_state: current });
    expect(calls).toEqual(["read"]);
    expect(response.new_state).toBe(current);
  });

  test("a changed object is encoded from what the read returned", async () => {
    const current = value(stored);
    const response = await rpc(noteProvider([], (c) => ({ ...c, text: "edited", size: 6 })), "ReadResource", {
      type_name: "toy_note",
      current_state: current,
    });
    expect(response.new_state).not.toBe(current);
    expect(decodeDynamicValue(response.new_state, type)).toEqual({ id: "n1", text: "edited", size: 6 });
  });
});

describe("UpgradeResourceState", () => {
  const upgrade = (json: string, version = 1) =>
    rpc(noteProvider([], () => null), "UpgradeResourceState", {
      type_name: "toy_note",
      version,
      raw_state: { json: new Uint8Array(Buffer.from(json)) },
    });

  test("a state of this schema version with exactly its attributes goes back as the same JSON", async () => {
    const json = '{"id":"n1","text":"hello","size":5}';
    const response = await upgrade(json);
    expect(response.upgraded_state.msgpack).toBeUndefined();
    expect(Buffer.from(response.upgraded_state.json).toString()).toBe(json);
    expect(decodeDynamicValue(response.upgraded_state, type)).toEqual(stored);
  });

  test("an attribute this schema no longer has is dropped, one it added is null", async () => {
    const response = await upgrade('{"id":"n1","text":"hello","retired":"x"}');
    expect(response.upgraded_state.json).toBeUndefined();
    expect(decodeDynamicValue(response.upgraded_state, type)).toEqual({ id: "n1", text: "hello", size: null });
  });

  test("a state of another schema version is decoded and encoded", async () => {
    const response = await upgrade('{"id":"n1","text":"hello","size":5}', 0);
    expect(response.upgraded_state.json).toBeUndefined();
    expect(decodeDynamicValue(response.upgraded_state, type)).toEqual(stored);
  });
});
