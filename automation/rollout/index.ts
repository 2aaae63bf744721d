/** Release rollouts across tenant stacks (docs/rollouts.md). */
export * from "./waves";
export * from "./plan";
export * from "./state";
export * from "./target";
export * from "./runner";
export * from "./report";
export * from "./registry";
export * from "./probes";
