/**
 * How every policy in the pack is built. A policy is plain data plus a validation function; these
 * helpers add what all of them share, the same way in the engine and in the offline check:
 *
 * - the stack (environment, tenant) from the resource's URN;
 * - the enforcement level for that environment (./config.ts), reported per violation through the
 *   object form of `reportViolation` that @pulumi/policy's server accepts (server.js,
 *   `makeReportViolationFun`), so one pack is advisory in staging and mandatory in production
 *   without a config file per environment;
 * - waivers (./waivers.ts): a violation covered by an active waiver is not reported.
 */
import type * as pulumi from "@pulumi/pulumi";
import type {
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { Category, Level, levelsConfigSchema, resolveLevel } from "./config";
import { activeSelection, describeSelection, isSelected } from "./selection";
import { stackConfig } from "./stack-config";
import { StackInfo, stackInfoFromUrn } from "./stack-info";
import { effectiveTags } from "./tags";
import { activeWaivers, findWaiver, Waiver } from "./waivers";

/**
 * The security controls a policy implements (policies/controls/): AWS Foundational Security Best
 * Practices ids (`S3.9`) and CIS AWS Foundations Benchmark v1.4.0 recommendation ids (`2.1.2`). A
 * policy that implements none says why in `none` (a platform rule no framework has).
 */
export interface PolicyControls {
  /** FSBP control ids, as in policies/controls/fsbp.ts. */
  readonly fsbp?: readonly string[];
  /** CIS recommendation ids, as in policies/controls/cis.ts. */
  readonly cis?: readonly string[];
  /** Why the policy maps to no control; required when `fsbp` and `cis` are empty. */
  readonly none?: string;
  /** Caveats per control id: how far the policy goes (e.g. production only). */
  readonly notes?: Readonly<Record<string, string>>;
}

/** What every policy declares besides its check. */
export interface PolicyMeta {
  /** `platform-<service>-<rule>`. */
  readonly name: string;
  /** One sentence: what the policy requires. */
  readonly description: string;
  readonly category: Category;
  readonly severity: Severity;
  /** The rules the policy enforces, one line each (docs and the failing-case meta test use them). */
  readonly rules: readonly string[];
  /** How to fix a violation, in general terms; each message also says it for its own case. */
  readonly remediationSteps: string;
  /**
   * The controls it implements. Optional in the type so a policy merged without them still
   * compiles; the coverage test in policies/controls/coverage.test.ts fails until it has them.
   */
  readonly controls?: PolicyControls;
  /** Policy-specific config properties, besides `levels`. */
  readonly config?: PolicyConfigSchema["properties"];
}

/** A policy of this pack: a CrossGuard policy plus the metadata above. */
export type PlatformPolicy = (ResourceValidationPolicy | StackValidationPolicy) & {
  readonly category: Category;
  readonly rules: readonly string[];
  readonly controls?: PolicyControls;
};

/** A class of @pulumi/aws (or any Pulumi resource class) with its args type. */
export type ResourceClass<TArgs = any> = { new (name: string, args: TArgs, ...rest: any[]): pulumi.Resource };

/** Props of a resource of class `C`, as policies see them (plain values, no Outputs). */
export type PropsOf<TArgs> = pulumi.Unwrap<NonNullable<TArgs>>;

/** What a resource check gets besides the props. */
export interface ResourceContext {
  readonly args: ResourceValidationArgs;
  readonly stack: StackInfo;
  /** The tags the resource will carry: provider default tags merged with its own. */
  readonly tags: Record<string, string>;
  /** The level violations are reported at. */
  readonly level: Level;
  /** The policy's config (from `--policy-pack-config` / `--config`), `levels` removed. */
  readonly config: Record<string, unknown>;
}

/** What a stack check gets besides the resources. */
export interface StackContext {
  readonly args: StackValidationArgs;
  readonly stack: StackInfo;
  readonly level: Level;
  readonly config: Record<string, unknown>;
  /** Tags of one resource of the stack (provider default tags merged with its own). */
  tagsOf(resource: PolicyResource): Record<string, string>;
}

/** A waived violation, announced to listeners (the offline check counts them). */
export interface WaivedViolation {
  readonly policy: string;
  readonly urn?: string;
  readonly message: string;
  readonly waiver: Waiver;
}

/** Listeners told about each waived violation. */
export const waivedListeners = new Set<(w: WaivedViolation) => void>();

function reporter(
  policy: string,
  level: Level,
  reportViolation: ReportViolation,
): (message: string, urn: string | undefined) => void {
  return (message, urn) => {
    const { waivers, now } = activeWaivers();
    const waiver = findWaiver(waivers, policy, urn, now());
    if (waiver) {
      waivedListeners.forEach((l) => l({ policy, urn, message, waiver }));
      return;
    }
    // The object form carries our per-environment level; @pulumi/policy's server reads
    // `message`, `urn` and `enforcementLevel` from it (server.js, makeReportViolationFun).
    (reportViolation as unknown as (info: object) => void)({ message, urn, enforcementLevel: level });
  };
}

function configOf(raw: object): Record<string, unknown> {
  const { levels: _levels, ...rest } = raw as Record<string, unknown>;
  return rest;
}

/**
 * The level a policy runs at on this stack; a policy turned off for the environment is not
 * applicable (`notApplicable` throws, as in the engine).
 */
function levelOn(
  meta: PolicyMeta,
  stack: StackInfo,
  raw: object,
  notApplicable: (reason?: string) => never,
): Level {
  const level = resolveLevel(meta.name, meta.category, stack.environment, raw);
  if (level === "disabled") {
    notApplicable(`disabled in ${stack.environment} by policy config`);
  }
  const selection = activeSelection();
  if (!isSelected(meta, selection)) {
    notApplicable(`not selected by the pack config (only ${describeSelection(selection)})`);
  }
  return level;
}

/** What every policy of the pack declares, from its meta. */
function declaration(meta: PolicyMeta) {
  return {
    name: meta.name,
    description: meta.description,
    enforcementLevel: "mandatory" as const,
    severity: meta.severity,
    remediationSteps: meta.remediationSteps,
    configSchema: levelsConfigSchema(meta.config),
    tags: [meta.category],
    category: meta.category,
    rules: meta.rules,
    controls: meta.controls,
  };
}

/**
 * A resource policy over one or more resource classes (e.g. `aws.lb.Listener` and its alias
 * `aws.alb.Listener`). `validate` receives the props typed after the first class.
 */
export function resourcePolicy<TArgs>(
  meta: PolicyMeta,
  classes: readonly [ResourceClass<TArgs>, ...ResourceClass[]],
  validate: (props: PropsOf<TArgs>, ctx: ResourceContext, report: (message: string) => void) => void,
): PlatformPolicy {
  const tokens = classes.map((c) => (c as unknown as { __pulumiType: string }).__pulumiType);
  const policy = resourcePolicyWhere(
    meta,
    { applies: (args) => classes.some((c) => args.isType(c)), describe: tokens.join(", ") },
    (props, ctx, report) => validate(props as PropsOf<TArgs>, ctx, report),
  );
  if (tokens.length === 1) {
    // Lets the server skip other types without calling us, as validateResourceOfType does.
    (policy.validateResource as unknown as { __pulumiType: string }).__pulumiType = tokens[0];
  }
  return policy;
}

/** A resource policy over the resources `filter.applies` accepts (e.g. every taggable type). */
export function resourcePolicyWhere(
  meta: PolicyMeta,
  filter: { applies: (args: ResourceValidationArgs) => boolean; describe: string },
  validate: (props: Record<string, any>, ctx: ResourceContext, report: (message: string) => void) => void,
): PlatformPolicy & { validateResource: (args: ResourceValidationArgs, r: ReportViolation) => void } {
  const validateResource = (args: ResourceValidationArgs, reportViolation: ReportViolation): void => {
    if (!filter.applies(args)) {
      args.notApplicable(`Policy only applies to ${filter.describe}`);
    }
    const stack = stackInfoFromUrn(args.urn, stackConfig());
    const raw = args.getConfig<object>();
    const level = levelOn(meta, stack, raw, (reason) => args.notApplicable(reason));
    const report = reporter(meta.name, level, reportViolation);
    const ctx: ResourceContext = {
      args,
      stack,
      level,
      config: configOf(raw),
      get tags() {
        return effectiveTags(args.props, args.provider);
      },
    };
    validate(args.props, ctx, (message) => report(message, args.urn));
  };
  return { ...declaration(meta), validateResource };
}

/** A stack policy: checks that span resources (a bucket and its policy, a rule and its ALB). */
export function stackPolicy(
  meta: PolicyMeta,
  validate: (
    resources: PolicyResource[],
    ctx: StackContext,
    report: (message: string, urn?: string) => void,
  ) => void,
): PlatformPolicy {
  const validateStack = (args: StackValidationArgs, reportViolation: ReportViolation): void => {
    const first = args.resources.find((r) => r.urn);
    if (!first) {
      args.notApplicable("the stack has no resources");
    }
    const stack = stackInfoFromUrn((first as PolicyResource).urn, stackConfig());
    const raw = args.getConfig<object>();
    const level = levelOn(meta, stack, raw, (reason) => args.notApplicable(reason));
    const report = reporter(meta.name, level, reportViolation);
    const ctx: StackContext = {
      args,
      stack,
      level,
      config: configOf(raw),
      tagsOf: (r) => effectiveTags(r.props, r.provider),
    };
    validate(args.resources, ctx, (message, urn) => report(message, urn));
  };
  return { ...declaration(meta), validateStack };
}

/** Resources of any of these classes, in stack order. */
export function ofClass(resources: readonly PolicyResource[], ...classes: ResourceClass[]): PolicyResource[] {
  return resources.filter((r) => classes.some((c) => r.isType(c)));
}
