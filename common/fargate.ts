/**
 * Fargate task sizes: which memory values go with which CPU value. Used by the tier catalog, the
 * spec's sizing checks and the policy pack.
 */

/**
 * Valid Fargate (Linux) task sizes: CPU units to the memory values (MiB) allowed with them.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
 */
export const FARGATE_TASK_SIZES: Readonly<Record<number, readonly number[]>> = Object.freeze({
  256: Object.freeze([512, 1024, 2048]),
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
});

function range(from: number, to: number, step: number): readonly number[] {
  const values: number[] = [];
  for (let v = from; v <= to; v += step) {
    values.push(v);
  }
  return Object.freeze(values);
}

/** True when `cpu`/`memory` is a task size Fargate accepts. */
export function isValidFargateSize(cpu: number, memory: number): boolean {
  return FARGATE_TASK_SIZES[cpu]?.includes(memory) ?? false;
}
