/** CIDR math of the network policies: canonical forms and what counts as public. */
import * as fc from "fast-check";
import { BlockList } from "net";
import { exposureOf, parseCidr, PUBLIC_PREFIX_LIMIT } from "./cidr";

describe("parseCidr", () => {
  it.each([
    ["0:0:0:0:0:0:0:0/0", "::/0"],
    ["0000:0000::/0", "::/0"],
    ["::ffff:10.0.0.0/104", "::ffff:a00:0/104"],
    ["2001:DB8:0:0:1::/64", "2001:db8::/64"],
    ["10.1.2.3/8", "10.0.0.0/8"],
    [" 0.0.0.0/0 ", "0.0.0.0/0"],
  ])("%s is %s", (text, canonical) => {
    expect(parseCidr(text)?.canonical).toBe(canonical);
  });

  it.each(["0.0.0.0/33", "::/129", "10.0.0/8", "10.0.0.0", "anywhere", "1.2.3.4/-1", ""])(
    "refuses %j",
    (text) => {
      expect(parseCidr(text)).toBeUndefined();
    },
  );

  it("agrees with node's BlockList on which addresses a range holds (property)", () => {
    const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join("."));
    fc.assert(
      fc.property(ipv4, fc.integer({ min: 0, max: 32 }), ipv4, (address, prefix, probe) => {
        const cidr = parseCidr(`${address}/${prefix}`)!;
        const [network] = cidr.canonical.split("/");
        const list = new BlockList();
        list.addSubnet(network, prefix, "ipv4");
        const reference = new BlockList();
        reference.addSubnet(address, prefix, "ipv4");
        expect(list.check(probe, "ipv4")).toBe(reference.check(probe, "ipv4"));
        expect(parseCidr(cidr.canonical)?.canonical).toBe(cidr.canonical);
      }),
    );
  });
});

describe("exposureOf", () => {
  it(`counts ranges wider than /${PUBLIC_PREFIX_LIMIT.ipv4} (IPv4) and /${PUBLIC_PREFIX_LIMIT.ipv6} (IPv6) as public`, () => {
    expect(exposureOf("0.0.0.0/1").kind).toBe("public");
    expect(exposureOf("10.0.0.0/7").kind).toBe("public");
    expect(exposureOf("10.0.0.0/8").kind).toBe("limited");
    expect(exposureOf("2000::/3").kind).toBe("public");
    expect(exposureOf("2001:db8::/31").kind).toBe("public");
    expect(exposureOf("2001:db8::/32").kind).toBe("limited");
    expect(exposureOf("not-a-cidr").kind).toBe("invalid");
  });
});
