/** The shared module: what the programs, the policies and the automation service must agree on. */
export * from "./environments";
export * from "./tags";
export * from "./naming";
export * from "./contract";
export * from "./tiers";
export * from "./problems";
export * from "./freeze";
export * from "./quotas";
export * from "./fileLock";
