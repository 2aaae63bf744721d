/**
 * How the cloud double "starts" a task: it runs nothing, it decides each container's exit from its
 * definition, in the order ECS would start them (`dependsOn`). That is how the double plays a failed
 * bootstrap or migration step (docs/decisions/0003-migrations-as-init-container.md): a container
 * that an essential container depends on with `condition: SUCCESS` exits non-zero, so the app never
 * starts, ECS keeps replacing the task, and the deployment circuit breaker gives up.
 *
 * A container's exit code, first match wins:
 *   1. knobs `exitCodes["<tenant>/<container>"]` (tests: a bootstrap that fails, whatever its command);
 *   2. its command: `false` exits 1 and `true` exits 0, as the Unix tools do (a spec can set
 *      `migrateCommand: ["false"]` for a migration that always fails);
 *   3. otherwise 0.
 */
import { Knobs } from "./knobs";

/** The part of an ECS container definition the double reads. */
interface ContainerDefinition {
  readonly name: string;
  readonly essential?: boolean;
  readonly command?: readonly string[];
  readonly dependsOn?: readonly { containerName: string; condition: string }[];
}

/** The first container of a task that stopped the app from starting. */
export interface FailedContainer {
  readonly container: string;
  readonly exitCode: number;
  /** The essential container that waited for it with `condition: SUCCESS`. */
  readonly blocks: string;
}

/** The exit code of `command` as the double plays it (rule 2 above). */
export function commandExit(command: readonly string[] | undefined): number {
  const program = (command?.[0] ?? "").split("/").pop();
  return program === "false" ? 1 : 0;
}

/**
 * The container whose failure keeps a task's essential containers from starting, or undefined
 * when every one they wait for exits 0. `containerDefinitions` is the task definition's JSON.
 */
export function failedContainer(
  containerDefinitions: unknown,
  tenant: string | undefined,
  knobs: Pick<Knobs, "exitCodes">,
): FailedContainer | undefined {
  const text = typeof containerDefinitions === "string" ? containerDefinitions : "[]";
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const containers = (Array.isArray(parsed) ? parsed : []).filter(
    (c): c is ContainerDefinition => typeof c === "object" && c !== null && typeof c.name === "string",
  );
  const byName = new Map(containers.map((c) => [c.name, c]));
  const exitOf = (c: ContainerDefinition) =>
    (tenant !== undefined ? knobs.exitCodes[`${tenant}/${c.name}`] : undefined) ?? commandExit(c.command);

  /** The failing container on `name`'s SUCCESS chain, depth first, in dependency order. */
  const failing = (name: string, seen: Set<string>): { container: string; exitCode: number } | undefined => {
    const c = byName.get(name);
    if (!c || seen.has(name)) {
      return undefined;
    }
    seen.add(name);
    for (const dep of (c.dependsOn ?? []).filter((d) => d.condition === "SUCCESS")) {
      const upstream = failing(dep.containerName, seen);
      if (upstream) {
        return upstream;
      }
      const exitCode = byName.has(dep.containerName) ? exitOf(byName.get(dep.containerName)!) : 0;
      if (exitCode !== 0) {
        return { container: dep.containerName, exitCode };
      }
    }
    return undefined;
  };

  for (const essential of containers.filter((c) => c.essential !== false)) {
    const found = failing(essential.name, new Set());
    if (found) {
      return { ...found, blocks: essential.name };
    }
  }
  return undefined;
}
