/**
 * platform-rds-managed-master-password: RDS keeps every database's master password in Secrets
 * Manager and rotates it (`manageMasterUserPassword`), so no program, Pulumi state or container
 * ever holds it; the app connects as its own role (docs/tenant-stack.md, "Database roles and
 * rotation").
 */
import * as aws from "@pulumi/aws";
import { PlatformPolicy, resourcePolicy } from "../lib/policy";
import { isSetRef, show } from "../lib/values";

export const rdsManagedMasterPassword: PlatformPolicy = resourcePolicy(
  {
    name: "platform-rds-managed-master-password",
    description:
      "Database master passwords are managed and rotated by RDS in Secrets Manager, never set by a program.",
    category: "encryption",
    severity: "high",
    controls: {
      fsbp: ["SecretsManager.1"],
      notes: { "SecretsManager.1": "the database master secret only, which RDS manages and rotates" },
    },
    rules: ["manageMasterUserPassword is true", "password is not set"],
    remediationSteps:
      "Set manageMasterUserPassword: true (and masterUserSecretKmsKeyId to the tenant's key) and remove password.",
  },
  [aws.rds.Instance],
  (db, ctx, report) => {
    const where = `database "${ctx.args.name}"`;
    if (db.manageMasterUserPassword !== true) {
      report(
        `${where}: manageMasterUserPassword is ${show(db.manageMasterUserPassword)}; let RDS keep and rotate the master password in Secrets Manager (manageMasterUserPassword: true).`,
      );
    }
    if (isSetRef(() => db.password)) {
      report(`${where}: sets password; a password in the program is in its state too. Remove it.`);
    }
  },
);
