/**
 * The cloud double's plugin entry: started by the engine as `pulumi-resource-aws` (or `-random`)
 * from an isolated PULUMI_HOME that offline/double/install.ts prepared. It refuses to start anywhere
 * else, so a real `pulumi` with an operator's PULUMI_HOME can never be talking to it.
 */
import * as providerServer from "@pulumi/pulumi/provider";
import { exitWhenEngineGone } from "./engineWatch";
import { checkIsolation } from "./isolation";
import { doubleProvider } from "./provider";

const placement = checkIsolation(process.env);
if ("refusal" in placement) {
  process.stderr.write(`${placement.refusal}\n`);
  process.exit(1);
}
// Exits once the engine that started it is gone and its calls in flight are done (engineWatch.ts).
const watched = exitWhenEngineGone(doubleProvider(placement.pkg, placement.version, placement.doubleDir), {
  parentPid: () => process.ppid,
  intervalMs: 500,
  exit: () => process.exit(0),
});
void providerServer.main(watched, process.argv.slice(2));
