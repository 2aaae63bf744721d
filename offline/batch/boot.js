/**
 * Entry of a batch worker process (./pool.ts forks it): installs the cached TypeScript loader
 * (./tsload.js), then runs ./worker.ts.
 */
"use strict";
require("./tsload.js").install();
require("./worker.ts");
