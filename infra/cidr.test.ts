import * as fc from "fast-check";
import {
  cidrProblem,
  contains,
  formatCidr,
  overlaps,
  parseCidr,
  planSubnets,
  size,
  subdivide,
  VPC_PREFIX_RANGE,
  vpcCidrProblem,
} from "./cidr";

describe("planSubnets", () => {
  it("splits a /16 into /18 private, /21 public and /21 isolated subnets", () => {
    expect(planSubnets("10.0.0.0/16")).toEqual({
      private: ["10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18"],
      public: ["10.0.192.0/21", "10.0.200.0/21", "10.0.208.0/21"],
      isolated: ["10.0.224.0/21", "10.0.232.0/21", "10.0.240.0/21"],
    });
  });

  it("splits the smallest VPC (/21) into /23 private and /26 public and isolated subnets", () => {
    expect(planSubnets("192.168.8.0/21")).toEqual({
      private: ["192.168.8.0/23", "192.168.10.0/23", "192.168.12.0/23"],
      public: ["192.168.14.0/26", "192.168.14.64/26", "192.168.14.128/26"],
      isolated: ["192.168.15.0/26", "192.168.15.64/26", "192.168.15.128/26"],
    });
  });

  it("serves fewer AZs with the same layout", () => {
    expect(planSubnets("10.1.0.0/16", 1)).toEqual({
      private: ["10.1.0.0/18"],
      public: ["10.1.192.0/21"],
      isolated: ["10.1.224.0/21"],
    });
  });

  it("rejects an invalid VPC CIDR and an unsupported AZ count, naming the value", () => {
    expect(() => planSubnets("10.0.0.0/8")).toThrow('VPC CIDR "10.0.0.0/8" is a /8; allowed /16 to /21');
    expect(() => planSubnets("10.0.0.0/16", 4)).toThrow("azCount 4 is not supported; allowed 1 to 3");
  });

  // Any private VPC of an allowed size: subnets are aligned, inside the VPC, never overlap, and
  // the tiers have the documented sizes.
  const vpcCidrs = fc
    .record({
      base: fc.constantFrom("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"),
      prefix: fc.integer({ min: VPC_PREFIX_RANGE.min, max: VPC_PREFIX_RANGE.max }),
      index: fc.nat(),
    })
    .filter(({ base, prefix }) => parseCidr(base).prefix <= prefix)
    .map(({ base, prefix, index }) => {
      const parent = parseCidr(base);
      return formatCidr(subdivide(parent, prefix, index % 2 ** (prefix - parent.prefix)));
    });

  it("property: subnets are valid, inside the VPC, disjoint, and sized per tier", () => {
    fc.assert(
      fc.property(vpcCidrs, fc.integer({ min: 1, max: 3 }), (vpcCidr, azCount) => {
        const vpc = parseCidr(vpcCidr);
        const plan = planSubnets(vpcCidr, azCount);
        const all = [...plan.private, ...plan.public, ...plan.isolated];
        expect(all).toHaveLength(3 * azCount);
        for (const text of all) {
          expect(cidrProblem(text)).toBeUndefined();
          expect(contains(vpc, parseCidr(text))).toBe(true);
        }
        all.forEach((a, i) =>
          all.slice(i + 1).forEach((b) => expect(overlaps(parseCidr(a), parseCidr(b))).toBe(false)),
        );
        plan.private.forEach((s) => expect(size(parseCidr(s))).toBe(size(vpc) / 4));
        [...plan.public, ...plan.isolated].forEach((s) => expect(size(parseCidr(s))).toBe(size(vpc) / 32));
      }),
      { numRuns: 300 },
    );
  });

  it("property: formatCidr inverts parseCidr for aligned blocks", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 32 }),
        (address, prefix) => {
          const network = prefix === 0 ? 0 : (address & ((0xffffffff << (32 - prefix)) >>> 0)) >>> 0;
          const text = formatCidr({ network, prefix });
          expect(parseCidr(text)).toEqual({ network, prefix });
          expect(cidrProblem(text)).toBeUndefined();
        },
      ),
    );
  });
});

describe("CIDR checks", () => {
  it.each([
    ["10.0.0.0/16", undefined],
    ["10.0.0.1/16", "has host bits set; the network address is 10.0.0.0/16"],
    ["10.0.0.0", "is not an IPv4 CIDR; expected a.b.c.d/p with octets 0-255 and p 0-32"],
    ["300.0.0.0/16", "is not an IPv4 CIDR; expected a.b.c.d/p with octets 0-255 and p 0-32"],
    ["10.0.0.0/33", "is not an IPv4 CIDR; expected a.b.c.d/p with octets 0-255 and p 0-32"],
    ["10.0.0.0/24", "is a /24; allowed /16 to /21"],
    [
      "8.8.0.0/16",
      "is not a private network; allowed inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918)",
    ],
    [
      "172.32.0.0/16",
      "is not a private network; allowed inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918)",
    ],
  ])("vpcCidrProblem(%s)", (cidr, problem) => {
    expect(vpcCidrProblem(cidr)).toBe(problem);
  });

  it("subdivide refuses a block outside its parent", () => {
    expect(() => subdivide(parseCidr("10.0.0.0/16"), 18, 4)).toThrow(
      "cannot take block 4 of /18 from 10.0.0.0/16: it holds 4 such blocks",
    );
  });
});
