import { redactValues } from "./redact";

test("redacts each value as given and inside JSON strings, longest first", () => {
  expect(
    redactValues('set-all tenant:secrets={"A":"p\\"w","B":"pw-long"} and pw-long', ['p"w', "pw-long"]),
  ).toBe('set-all tenant:secrets={"A":"[secret]","B":"[secret]"} and [secret]');
  expect(redactValues("nothing here", ["absent"])).toBe("nothing here");
  expect(redactValues("keep", [""])).toBe("keep");
});
