/**
 * Production readiness of the tenant stack under Pulumi's mocks (issue 11): migrations before the
 * app, the app's own database role and its rotation, the master password managed by RDS, health
 * checks, storage autoscaling, and the cache token's rotation path. One recording per case
 * (beforeAll), exact inputs asserted.
 */
import { effectiveSizing, TIERS } from "../common";
import { one, ofType, Recording } from "../offline/recorder";
import { recordTenant } from "../offline/tenant";
import { bootstrapSql } from "./database";
import { APP_CREDENTIAL_ROTATION_DAYS, POSTGRES_MULTI_USER_ROTATION_APPLICATION } from "./rotation";
import { BOOTSTRAP_COMMAND, CONTAINER_HEALTH_CHECK, POSTGRES_CLIENT_IMAGE } from "./service";
import { parseTenantSpec, TenantSpec } from "./spec";
import { fixtureBaseOutputs } from "./testing/baseOutputs";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const plain = (value: any): any =>
  value && typeof value === "object" && SECRET_SIG in value ? value.value : value;
const TD = "aws:ecs/taskDefinition:TaskDefinition";
const RG = "aws:elasticache/replicationGroup:ReplicationGroup";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const VERSION = "aws:secretsmanager/secretVersion:SecretVersion";

function spec(extra: Record<string, unknown> = {}, tier = "standard"): TenantSpec {
  return parseTenantSpec({
    id: "globex",
    displayName: "Globex",
    tier,
    environments: ["staging", "production"],
    owner: "team@globex.example.com",
    costCenter: "CC-2230",
    dataClassification: "internal",
    imageTag: "1.4.2",
    ...extra,
  });
}

const containers = (rec: Recording) => {
  const list: any[] = JSON.parse(one(rec, TD).inputs.containerDefinitions);
  return { order: list.map((c) => c.name), ...Object.fromEntries(list.map((c) => [c.name, c])) } as any;
};

const recs: Record<string, Recording> = {};
beforeAll(async () => {
  const base = fixtureBaseOutputs("staging");
  recs.defaults = await recordTenant(spec(), "staging", base);
  recs.custom = await recordTenant(
    spec({
      migrateCommand: ["npm", "run", "db:migrate", "--", "--lock"],
      healthCheckPath: "/status/ready",
      cacheTokenRotation: { generation: 2, phase: "rotate" },
      sizing: { dbAllocatedStorageGb: TIERS.standard.limits.maxAllocatedStorageGb },
    }),
    "staging",
    base,
  );
  recs.set = await recordTenant(
    spec({ cacheTokenRotation: { generation: 2, phase: "set" } }),
    "staging",
    base,
  );
}, 180_000);

describe("migrations before the app rolls (item 1)", () => {
  it("runs db-bootstrap, then migrate, then app; each waits for the previous one to exit 0", () => {
    const c = containers(recs.defaults);
    expect(c.order).toEqual(["db-bootstrap", "migrate", "app"]);
    expect([c["db-bootstrap"].essential, c.migrate.essential, c.app.essential]).toEqual([false, false, true]);
    expect(c["db-bootstrap"].dependsOn).toBeUndefined();
    expect(c.migrate.dependsOn).toEqual([{ containerName: "db-bootstrap", condition: "SUCCESS" }]);
    expect(c.app.dependsOn).toEqual([{ containerName: "migrate", condition: "SUCCESS" }]);
  });

  it("migrates from the app's image with the spec's command, or `migrate` by default", () => {
    const defaults = containers(recs.defaults);
    const custom = containers(recs.custom);
    expect(defaults.migrate.image).toBe(defaults.app.image);
    expect(defaults.migrate.command).toEqual(["migrate"]);
    expect(custom.migrate.command).toEqual(["npm", "run", "db:migrate", "--", "--lock"]);
    // The app's environment and credential, nothing more: migrations run as the app's own role.
    expect(defaults.migrate.environment).toEqual(defaults.app.environment);
    expect(defaults.migrate.secrets).toEqual(defaults.app.secrets);
    for (const c of [defaults.migrate, defaults["db-bootstrap"]]) {
      expect(c).toMatchObject({ user: "1000:1000", readonlyRootFilesystem: true });
      expect(c.logConfiguration).toEqual(defaults.app.logConfiguration);
    }
  });

  it("fails the update when a task never gets healthy: circuit breaker with rollback, and a wait for steady state", () => {
    expect(one(recs.defaults, "aws:ecs/service:Service").inputs).toMatchObject({
      deploymentCircuitBreaker: { enable: true, rollback: true },
      waitForSteadyState: true,
      deploymentMinimumHealthyPercent: 100,
    });
  });
});

describe("the app's own database role; the master credential only in the bootstrap (item 2)", () => {
  it("bootstraps with psql as the master user, reading every credential from Secrets Manager", () => {
    const rec = recs.defaults;
    const c = containers(rec)["db-bootstrap"];
    const appSecret = one(rec, "aws:secretsmanager/secret:Secret", "database-secret").state.arn;
    const master = one(rec, "aws:rds/instance:Instance").state.masterUserSecrets[0].secretArn;
    expect(master).toMatch(/:secret:rds!db-/);
    expect(c.image).toBe(POSTGRES_CLIENT_IMAGE);
    expect(c.command).toEqual([...BOOTSTRAP_COMMAND]);
    expect(c.secrets).toEqual([
      { name: "PGHOST", valueFrom: `${appSecret}:host::` },
      { name: "PGPORT", valueFrom: `${appSecret}:port::` },
      { name: "PGDATABASE", valueFrom: `${appSecret}:dbname::` },
      { name: "PGUSER", valueFrom: `${master}:username::` },
      { name: "PGPASSWORD", valueFrom: `${master}:password::` },
      { name: "APP_DB_USER", valueFrom: `${appSecret}:username::` },
      { name: "APP_DB_PASSWORD", valueFrom: `${appSecret}:password::` },
    ]);
    expect(c.environment).toEqual([
      { name: "BOOTSTRAP_SQL", value: bootstrapSql("app") },
      { name: "PGCONNECT_TIMEOUT", value: "10" },
      { name: "PGSSLMODE", value: "require" },
    ]);
    // Neither the app nor the migrations ever see the master secret.
    for (const name of ["migrate", "app"]) {
      expect(JSON.stringify(containers(rec)[name])).not.toContain(master);
    }
    const taskPolicy = JSON.parse(one(rec, "aws:iam/rolePolicy:RolePolicy", "identity-task").inputs.policy);
    expect(JSON.stringify(taskPolicy)).not.toContain(master);
  });

  it("creates the role once, grants it only its schema, and keeps credentials off command lines", () => {
    const sql = bootstrapSql("app");
    expect(sql.split("\n")).toEqual([
      "\\set ON_ERROR_STOP on",
      "\\getenv app_user APP_DB_USER",
      "\\getenv app_password APP_DB_PASSWORD",
      "\\set schema app",
      "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'app_user', :'app_password')",
      "  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_user') \\gexec",
      "SELECT format('CREATE SCHEMA IF NOT EXISTS %I', :'schema') \\gexec",
      "REVOKE ALL ON SCHEMA public FROM PUBLIC;",
      "REVOKE ALL ON DATABASE app FROM PUBLIC;",
      "SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'app_user') \\gexec",
      "SELECT format('GRANT USAGE, CREATE ON SCHEMA %I TO %I', :'schema', :'app_user') \\gexec",
      "SELECT format('ALTER DATABASE %I SET search_path = %I', current_database(), :'schema') \\gexec",
      "",
    ]);
    expect(BOOTSTRAP_COMMAND.join(" ")).not.toMatch(/PASSWORD|PGPASSWORD=/);
  });

  it("lets the app connect as app_user, from its own secret", () => {
    const rec = recs.defaults;
    const appSecret = one(rec, "aws:secretsmanager/secret:Secret", "database-secret").state.arn;
    expect(containers(rec).app.secrets.filter((s: any) => s.name.startsWith("DB_"))).toEqual(
      ["host", "port", "dbname", "username", "password"].map((key, i) => ({
        name: ["DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD"][i],
        valueFrom: `${appSecret}:${key}::`,
      })),
    );
    expect(JSON.parse(plain(one(rec, VERSION, "database-app-credential").inputs.secretString)).username).toBe(
      "app_user",
    );
  });
});

describe("rotation (item 3)", () => {
  it("has RDS manage and rotate the master password, encrypted with the tenant's key", () => {
    const db = one(recs.defaults, "aws:rds/instance:Instance").inputs;
    expect(db).toMatchObject({ manageMasterUserPassword: true, username: "app" });
    expect(db.masterUserSecretKmsKeyId).toBe(fixtureBaseOutputs("staging").platformKmsKeyArn);
    expect(db.password).toBeUndefined();
  });

  it("rotates the app's credential every 30 days with AWS's multi-user function, in the VPC", () => {
    const rec = recs.defaults;
    const base = fixtureBaseOutputs("staging");
    const stack = one(rec, "aws:serverlessrepository/cloudFormationStack:CloudFormationStack");
    const master = one(rec, "aws:rds/instance:Instance").state.masterUserSecrets[0].secretArn;
    expect(stack.inputs).toEqual({
      name: "plat-stg-globex-db-rotation",
      applicationId: POSTGRES_MULTI_USER_ROTATION_APPLICATION,
      capabilities: ["CAPABILITY_IAM", "CAPABILITY_RESOURCE_POLICY"],
      parameters: {
        functionName: "plat-stg-globex-db-rotation",
        endpoint: "https://secretsmanager.us-east-1.amazonaws.com",
        kmsKeyArn: base.platformKmsKeyArn,
        masterSecretArn: master,
        masterSecretKmsKeyArn: base.platformKmsKeyArn,
        vpcSubnetIds: base.privateSubnetIds.join(","),
        vpcSecurityGroupIds: one(rec, "aws:ec2/securityGroup:SecurityGroup", "network-rotation").state.id,
        excludeCharacters: "/@\"'\\`$ ",
      },
    });
    const rotation = one(rec, "aws:secretsmanager/secretRotation:SecretRotation");
    expect(APP_CREDENTIAL_ROTATION_DAYS).toBe(30);
    expect(rotation.inputs).toEqual({
      secretId: one(rec, "aws:secretsmanager/secret:Secret", "database-secret").state.arn,
      rotationLambdaArn: stack.state.outputs.RotationLambdaARN,
      rotationRules: { automaticallyAfterDays: 30 },
      rotateImmediately: false,
    });
    // The schedule starts once the service is steady (the first bootstrap made the role).
    expect(rotation.dependencies).toContain(one(rec, "aws:ecs/service:Service").urn);
  });

  it("leaves the app secret's value to the rotation function after the first write", () => {
    // ignoreChanges is not recorded as an input; the version's first value is the generated one.
    const version = one(recs.defaults, VERSION, "database-app-credential");
    const value = JSON.parse(plain(version.inputs.secretString));
    expect(value.password).toBe(one(recs.defaults, PASSWORD, "database-app-password").state.result);
    expect(Object.keys(value).sort()).toEqual([
      "dbname",
      "engine",
      "host",
      "masterarn",
      "password",
      "port",
      "username",
    ]);
  });

  it("rotates the cache token in two steps: a new token next to the old (ROTATE), then only the new (SET)", () => {
    const defaults = one(recs.defaults, RG).inputs;
    expect(defaults.authTokenUpdateStrategy).toBeUndefined();
    expect(one(recs.defaults, PASSWORD, "cache-auth-token").inputs).toEqual({ length: 64, special: false });
    // A generation makes a new token (keepers), handed to ElastiCache with the step's strategy.
    expect(one(recs.custom, PASSWORD, "cache-auth-token").inputs).toEqual({
      length: 64,
      special: false,
      keepers: { generation: "2" },
    });
    expect(one(recs.custom, RG).inputs.authTokenUpdateStrategy).toBe("ROTATE");
    expect(one(recs.set, RG).inputs.authTokenUpdateStrategy).toBe("SET");
    expect(one(recs.set, PASSWORD, "cache-auth-token").inputs.keepers).toEqual({ generation: "2" });
    // The secret follows the group, and the tasks name its version, so they roll onto the new token.
    const version = one(recs.custom, VERSION, "cache-secret-value");
    expect(version.dependencies).toContain(one(recs.custom, RG).urn);
    const token = containers(recs.custom).app.secrets.find((s: any) => s.name === "REDIS_AUTH_TOKEN");
    expect(token.valueFrom).toMatch(new RegExp(`:authToken::${version.state.versionId}$`));
  });
});

describe("health checks (item 4)", () => {
  it("gives the app container a health check on the spec's path, /healthz by default", () => {
    const check = (rec: Recording) => containers(rec).app.healthCheck;
    const url = (path: string) => `http://127.0.0.1:8080${path}`;
    expect(check(recs.defaults)).toEqual({
      command: [
        "CMD-SHELL",
        `curl -fsS -o /dev/null '${url("/healthz")}' || wget -q -O /dev/null '${url("/healthz")}' || exit 1`,
      ],
      ...CONTAINER_HEALTH_CHECK,
    });
    expect(check(recs.custom).command[1]).toContain(`'${url("/status/ready")}'`);
    expect(CONTAINER_HEALTH_CHECK).toEqual({ interval: 15, timeout: 5, retries: 3, startPeriod: 60 });
  });

  it("has the ALB check the same path", () => {
    const path = (rec: Recording) => one(rec, "aws:lb/targetGroup:TargetGroup").inputs.healthCheck.path;
    expect([path(recs.defaults), path(recs.custom)]).toEqual(["/healthz", "/status/ready"]);
  });
});

describe("storage autoscaling (item 5)", () => {
  it("lets storage grow to the tier's limit, and not at all when it starts there", () => {
    const db = (rec: Recording) => one(rec, "aws:rds/instance:Instance").inputs;
    expect(db(recs.defaults)).toMatchObject({
      allocatedStorage: TIERS.standard.database.allocatedStorageGb,
      maxAllocatedStorage: TIERS.standard.limits.maxAllocatedStorageGb,
    });
    expect(db(recs.custom).allocatedStorage).toBe(200);
    expect(db(recs.custom).maxAllocatedStorage).toBeUndefined();
    expect(effectiveSizing(spec(), "production").database.maxAllocatedStorageGb).toBe(200);
  });
});

describe("the alarms' sizing-dependent thresholds", () => {
  it("derive connections and free storage from the instance class and the allocated storage", () => {
    const alarm = (rec: Recording, role: string) =>
      ofType(rec, "aws:cloudwatch/metricAlarm:MetricAlarm").find((a) => a.name === `observability-${role}`)!
        .inputs.threshold;
    // db.t4g.small: 2 GiB -> max_connections 225; 75 % -> 168. 50 GiB allocated, 10 % free.
    expect(alarm(recs.defaults, "db-connections")).toBe(168);
    expect(alarm(recs.defaults, "db-free-storage")).toBe(5 * 2 ** 30);
    expect(alarm(recs.custom, "db-free-storage")).toBe(20 * 2 ** 30);
  });
});
