/**
 * RunRecord: what an `up` returns when LocalEngine takes it from the run's events
 * (docs/decisions/0008-engine-overhead.md). Plain outputs are answered; a secret, or any other value
 * Pulumi serializes with its signature key, is not, so that the CLI reads the value.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { holdsSpecialValue, RunRecord, SIGNATURE_KEY } from "./runRecord";

const secret = { [SIGNATURE_KEY]: "1b47061264138c4ac30d75fd1eb44270", ciphertext: "[secret]" };

function outputsEvent(type: string, outputs: Record<string, unknown>, parent = ""): EngineEvent {
  return {
    sequence: 1,
    timestamp: 0,
    resOutputsEvent: {
      metadata: {
        op: "same",
        urn: `urn:pulumi:s::p::${type}::n`,
        type,
        provider: "",
        new: { type, urn: `urn:pulumi:s::p::${type}::n`, id: "", parent, inputs: {}, outputs, provider: "" },
      },
    },
  } as EngineEvent;
}

const summary = (resourceChanges: Record<string, number>): EngineEvent =>
  ({
    sequence: 2,
    timestamp: 0,
    summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges, policyPacks: {} },
  }) as EngineEvent;

test("the root stack's plain outputs and the summary's changes are answered from the events", () => {
  const record = new RunRecord();
  record.onEvent(outputsEvent("aws:s3/bucket:Bucket", { bucket: "not an output" }, "urn:parent"));
  record.onEvent(
    outputsEvent("pulumi:pulumi:Stack", { url: "https://x", count: 2, list: ["a", { b: null }] }),
  );
  record.onEvent(summary({ same: 55, update: 1 }));
  expect(record.plainOutputs()).toEqual({
    url: { value: "https://x", secret: false },
    count: { value: 2, secret: false },
    list: { value: ["a", { b: null }], secret: false },
  });
  expect(record.resourceChanges()).toEqual({ same: 55, update: 1 });
});

test("a stack with no outputs has none", () => {
  const record = new RunRecord();
  record.onEvent(outputsEvent("pulumi:pulumi:Stack", {}));
  expect(record.plainOutputs()).toEqual({});
});

test("nothing is answered when the run did not report it", () => {
  const record = new RunRecord();
  record.onEvent(outputsEvent("random:index/randomPassword:RandomPassword", { result: "x" }, "urn:stack"));
  expect(record.plainOutputs()).toBeUndefined();
  expect(record.resourceChanges()).toBeUndefined();
});

test("outputs holding a secret anywhere are left to the CLI", () => {
  for (const outputs of [{ token: secret }, { nested: { deep: [1, secret] } }]) {
    const record = new RunRecord();
    record.onEvent(outputsEvent("pulumi:pulumi:Stack", { plain: "x", ...outputs }));
    expect(record.plainOutputs()).toBeUndefined();
  }
});

test("holdsSpecialValue finds the signature key at any depth and nowhere else", () => {
  expect(holdsSpecialValue({ a: [{ b: { [SIGNATURE_KEY]: "x" } }] })).toBe(true);
  expect(holdsSpecialValue([secret])).toBe(true);
  expect(holdsSpecialValue({ a: [1, "two", null, { b: false }], c: SIGNATURE_KEY })).toBe(false);
});
