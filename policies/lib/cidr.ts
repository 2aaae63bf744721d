/**
 * Address ranges as networks, not text: `0:0:0:0:0:0:0:0/0` is `::/0`, `0.0.0.0/1` is half of the
 * IPv4 internet. A source wider than {@link PUBLIC_PREFIX_LIMIT} counts as public on the ports only a
 * load balancer may open (docs/policies.md, "Internet ingress").
 */
import { isIPv4, isIPv6 } from "net";

/**
 * The widest range that still counts as a private network: an IPv4 range wider than a /8 (the
 * largest private block, 10.0.0.0/8) or an IPv6 range wider than a /32 (a whole registry
 * allocation to one network) admits a large part of the internet, and is treated as public.
 */
export const PUBLIC_PREFIX_LIMIT = Object.freeze({ ipv4: 8, ipv6: 32 });

/** A parsed range: family, network address and prefix length, and its canonical text. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly network: bigint;
  readonly prefix: number;
  /** Canonical form: network address with host bits cleared, IPv6 compressed (`::/0`). */
  readonly canonical: string;
}

function ipv4ToBigInt(address: string): bigint {
  return address.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBigInt(address: string): bigint {
  let text = address;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups =
    tail === undefined ? headGroups : [...headGroups, ...Array(missing).fill("0"), ...tailGroups];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || "0", 16)), 0n);
}

function formatIpv4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join(".");
}

function formatIpv6(n: bigint): string {
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => Number((n >> s) & 0xffffn));
  // Compress the longest run of zero groups (RFC 5952).
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) {
    return hex.join(":");
  }
  return `${hex.slice(0, best.start).join(":")}::${hex.slice(best.start + best.length).join(":")}`;
}

/** Parses `a.b.c.d/n` or `x:y::z/n`; undefined when it is not a CIDR block. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) {
    return undefined;
  }
  const [, address, prefixText] = m;
  const prefix = Number(prefixText);
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
  if (family === undefined || prefix > (family === 4 ? 32 : 128)) {
    return undefined;
  }
  const bits = family === 4 ? 32n : 128n;
  const value = family === 4 ? ipv4ToBigInt(address) : ipv6ToBigInt(address);
  const hostBits = bits - BigInt(prefix);
  const network = (value >> hostBits) << hostBits;
  const canonical = `${family === 4 ? formatIpv4(network) : formatIpv6(network)}/${prefix}`;
  return { family, network, prefix, canonical };
}

/**
 * How a source range counts for internet exposure: `public` when it is wider than the
 * {@link PUBLIC_PREFIX_LIMIT} of its family (so `0.0.0.0/0` and `::/0` in any spelling),
 * `invalid` when it is not a CIDR block at all, else `limited`.
 */
export function exposureOf(source: string): { kind: "public" | "limited"; cidr: Cidr } | { kind: "invalid" } {
  const cidr = parseCidr(source);
  if (!cidr) {
    return { kind: "invalid" };
  }
  const limit = cidr.family === 4 ? PUBLIC_PREFIX_LIMIT.ipv4 : PUBLIC_PREFIX_LIMIT.ipv6;
  return { kind: cidr.prefix < limit ? "public" : "limited", cidr };
}
