/**
 * Entry point of the release project (`pulumi -C release up -s <env>`): reads the config, builds and
 * pushes the image, exports its digest. Everything else lives in program.ts.
 */
import { releaseProgram } from "./program";

export = releaseProgram();
