/**
 * The cloud double's plugin entry: started by the engine as `pulumi-resource-aws` (or `-random`)
 * from an isolated PULUMI_HOME that offline/double/install.ts prepared. It refuses to start anywhere
 * else, so a real `pulumi` with an operator's PULUMI_HOME can never be talking to it.
 */
import * as providerServer from "@pulumi/pulumi/provider";
import { checkIsolation } from "./isolation";
import { doubleProvider } from "./provider";

const placement = checkIsolation(process.env);
if ("refusal" in placement) {
  process.stderr.write(`${placement.refusal}\n`);
  process.exit(1);
}
void providerServer.main(
  doubleProvider(placement.pkg, placement.version, placement.doubleDir),
  process.argv.slice(2),
);
