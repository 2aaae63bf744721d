/**
 * IPv4 CIDR math for the VPC: pure functions, no Pulumi. The network component asks
 * {@link planSubnets} for its subnet blocks; config validation asks {@link vpcCidrProblem}.
 *
 * Layout of a VPC `/p` (docs/base-stack.md, "Network"):
 * - private subnets (Fargate tasks, interface endpoints) take the first three quarters, one `/p+2`
 *   per AZ, because that is where the tasks and their ENIs live;
 * - the last quarter is cut into eighths (`/p+5`): public subnets take 0-2 (ALB and NAT need few
 *   addresses), isolated subnets take 4-6 (databases and caches), 3 and 7 stay free for later.
 */

/** An IPv4 network: its first address as an unsigned 32-bit integer and its prefix length. */
export interface Ipv4Cidr {
  readonly network: number;
  readonly prefix: number;
}

/** Allowed VPC prefix lengths: /16 is the largest VPC AWS allows; /21 keeps public and isolated /26. */
export const VPC_PREFIX_RANGE = Object.freeze({ min: 16, max: 21 });

/** How many AZs the layout serves. */
export const MAX_AZS = 3;

/** RFC 1918 private networks; the VPC must sit inside one of them. */
export const PRIVATE_RANGES: readonly string[] = Object.freeze([
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
]);

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** The mask of a prefix length, as an unsigned 32-bit integer. */
function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * Parses `a.b.c.d/p`.
 * @throws naming the value when it is not a well-formed IPv4 CIDR (host bits may be set; see
 * {@link cidrProblem} for the strict check).
 */
export function parseCidr(text: string): Ipv4Cidr {
  const m = CIDR_PATTERN.exec(text);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefix = m ? Number(m[5]) : NaN;
  if (!m || octets.some((o) => o > 255) || prefix > 32) {
    throw new Error(`"${text}" is not an IPv4 CIDR; expected a.b.c.d/p with octets 0-255 and p 0-32`);
  }
  const network = octets.reduce((acc, o) => ((acc << 8) | o) >>> 0, 0);
  return { network, prefix };
}

/** `a.b.c.d/p`. */
export function formatCidr(cidr: Ipv4Cidr): string {
  const n = cidr.network;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${cidr.prefix}`;
}

/** Number of addresses in a block. */
export function size(cidr: Ipv4Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

/** True when `inner` lies entirely inside `outer`. */
export function contains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return inner.prefix >= outer.prefix && (inner.network & mask(outer.prefix)) >>> 0 === outer.network;
}

/** True when the two blocks share at least one address. */
export function overlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return contains(a, b) || contains(b, a);
}

/**
 * The `index`-th block of prefix `newPrefix` inside `parent`.
 * @throws when the block does not fit in the parent.
 */
export function subdivide(parent: Ipv4Cidr, newPrefix: number, index: number): Ipv4Cidr {
  const count = 2 ** (newPrefix - parent.prefix);
  if (
    newPrefix < parent.prefix ||
    newPrefix > 32 ||
    !Number.isInteger(index) ||
    index < 0 ||
    index >= count
  ) {
    throw new Error(
      `cannot take block ${index} of /${newPrefix} from ${formatCidr(parent)}: it holds ${count >= 1 ? count : 0} such blocks`,
    );
  }
  return { network: (parent.network + index * 2 ** (32 - newPrefix)) >>> 0, prefix: newPrefix };
}

/** The problem with `text` as a CIDR block of any size (host bits must be zero), or undefined. */
export function cidrProblem(text: string): string | undefined {
  let cidr: Ipv4Cidr;
  try {
    cidr = parseCidr(text);
  } catch {
    return "is not an IPv4 CIDR; expected a.b.c.d/p with octets 0-255 and p 0-32";
  }
  const aligned = { network: (cidr.network & mask(cidr.prefix)) >>> 0, prefix: cidr.prefix };
  if (aligned.network !== cidr.network) {
    return `has host bits set; the network address is ${formatCidr(aligned)}`;
  }
  return undefined;
}

/** The problem with `text` as the VPC's CIDR, or undefined when it is valid. */
export function vpcCidrProblem(text: string): string | undefined {
  const problem = cidrProblem(text);
  if (problem) {
    return problem;
  }
  const cidr = parseCidr(text);
  if (cidr.prefix < VPC_PREFIX_RANGE.min || cidr.prefix > VPC_PREFIX_RANGE.max) {
    return `is a /${cidr.prefix}; allowed /${VPC_PREFIX_RANGE.min} to /${VPC_PREFIX_RANGE.max}`;
  }
  if (!PRIVATE_RANGES.some((r) => contains(parseCidr(r), cidr))) {
    return `is not a private network; allowed inside ${PRIVATE_RANGES.join(", ")} (RFC 1918)`;
  }
  return undefined;
}

/** The subnet blocks of each tier, one per AZ, in AZ order. */
export interface SubnetPlan {
  readonly public: readonly string[];
  readonly private: readonly string[];
  readonly isolated: readonly string[];
}

/**
 * Splits the VPC into public, private and isolated subnets, one of each per AZ (layout above).
 * @throws when the VPC CIDR is invalid (see {@link vpcCidrProblem}) or `azCount` is not 1 to 3.
 */
export function planSubnets(vpcCidr: string, azCount: number = MAX_AZS): SubnetPlan {
  const problem = vpcCidrProblem(vpcCidr);
  if (problem) {
    throw new Error(`VPC CIDR "${vpcCidr}" ${problem}`);
  }
  if (!Number.isInteger(azCount) || azCount < 1 || azCount > MAX_AZS) {
    throw new Error(`azCount ${azCount} is not supported; allowed 1 to ${MAX_AZS}`);
  }
  const vpc = parseCidr(vpcCidr);
  const lastQuarter = subdivide(vpc, vpc.prefix + 2, 3);
  const azs = [...Array(azCount).keys()];
  return Object.freeze({
    private: Object.freeze(azs.map((i) => formatCidr(subdivide(vpc, vpc.prefix + 2, i)))),
    public: Object.freeze(azs.map((i) => formatCidr(subdivide(lastQuarter, vpc.prefix + 5, i)))),
    isolated: Object.freeze(azs.map((i) => formatCidr(subdivide(lastQuarter, vpc.prefix + 5, 4 + i)))),
  });
}
