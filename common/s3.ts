/**
 * S3 policy statements both programs need, written once so the base's log bucket and every
 * tenant bucket deny plain HTTP the same way (and the TLS-only policy checks one shape).
 */
import * as pulumi from "@pulumi/pulumi";

/** The statement denying every request to a bucket and its objects that is not made over TLS. */
export function denyInsecureTransportStatement(bucketArn: pulumi.Input<string>) {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** A bucket policy that denies every request not made over TLS, as JSON. */
export function tlsOnlyBucketPolicy(bucketArn: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [denyInsecureTransportStatement(bucketArn)],
  });
}
