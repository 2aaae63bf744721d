/**
 * The platform's TLS certificate: ACM, for the domain and its wildcard, validated through DNS
 * records in the platform zone.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link Certificate}. */
export interface CertificateArgs {
  /** The platform domain; the certificate also covers `*.<domain>` (one level of tenant hosts). */
  readonly domain: string;
  /** The zone the validation record goes into. */
  readonly zoneId: pulumi.Input<string>;
}

/** A DNS-validated ACM certificate for `<domain>` and `*.<domain>`. */
export class Certificate extends pulumi.ComponentResource {
  /** The ARN, available once validation succeeded: listeners use this one. */
  public readonly validatedArn: pulumi.Output<string>;

  constructor(name: string, args: CertificateArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:ingress:Certificate", name, {}, opts);
    const certificate = new aws.acm.Certificate(
      name,
      {
        domainName: args.domain,
        subjectAlternativeNames: [`*.${args.domain}`],
        validationMethod: "DNS",
        keyAlgorithm: "RSA_2048",
      },
      { parent: this },
    );
    // ACM asks for the same CNAME for a name and its wildcard, so the apex's record validates
    // both; a second record would collide with it.
    // https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html
    const option = certificate.domainValidationOptions.apply((options) => {
      const found = options.find((o) => o.domainName === args.domain);
      if (!found) {
        throw new Error(`certificate for ${args.domain}: ACM returned no validation record for the domain`);
      }
      return found;
    });
    const record = new aws.route53.Record(
      `${name}-validation`,
      {
        zoneId: args.zoneId,
        name: option.resourceRecordName,
        type: option.resourceRecordType,
        records: [option.resourceRecordValue],
        ttl: 300,
        // A re-created certificate asks for the same record; take it over instead of failing.
        allowOverwrite: true,
      },
      { parent: this },
    );
    const validation = new aws.acm.CertificateValidation(
      name,
      { certificateArn: certificate.arn, validationRecordFqdns: [record.fqdn] },
      { parent: this },
    );
    this.validatedArn = validation.certificateArn;
    this.registerOutputs({ validatedArn: this.validatedArn });
  }
}
