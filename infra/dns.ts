/**
 * DNS: the Route 53 hosted zone of the platform domain, created here or taken from config.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link Dns}. */
export interface DnsArgs {
  /** The platform domain. */
  readonly domain: string;
  /**
   * The zone: create one for the domain (its name servers must then be delegated by hand in the
   * parent zone), or use an existing zone by id.
   * @default { create: true }
   */
  readonly zone?: { readonly create: true } | { readonly existingZoneId: string };
}

/** The platform domain's hosted zone. */
export class Dns extends pulumi.ComponentResource {
  public readonly zoneId: pulumi.Output<string>;
  /** Name servers to delegate to; undefined for an existing zone (its delegation exists). */
  public readonly nameServers?: pulumi.Output<string[]>;

  constructor(name: string, args: DnsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:dns:Dns", name, {}, opts);
    const zone = args.zone ?? { create: true };
    if ("existingZoneId" in zone) {
      this.zoneId = pulumi.output(zone.existingZoneId);
    } else {
      const created = new aws.route53.Zone(
        name,
        {
          name: args.domain,
          comment: `Platform domain ${args.domain}; managed by Pulumi`,
          forceDestroy: false,
        },
        { parent: this },
      );
      this.zoneId = created.zoneId;
      this.nameServers = created.nameServers;
    }
    this.registerOutputs({ zoneId: this.zoneId, nameServers: this.nameServers });
  }
}
